import Atomics
import LimpetRouting
import Synchronization

/// Where providers publish snapshots and event loops pick them up (SPEC §7.4, STYLE "Configuration swap").
///
/// Publishing is one atomic exchange of a strong reference (swift-atomics `ManagedAtomic`, lock-free: a
/// double-word compare-and-swap keeps the reference count right while loops read). A loop reads `generation`
/// once per tick (one atomic load, no retain) and loads the snapshot only when it changed, keeping its own
/// reference in between; the old snapshot is freed when the last loop (and the last request routed on it)
/// lets go.
public final class SnapshotStore: Sendable {
    private final class Published: AtomicReference, Sendable {
        let snapshot: Snapshot
        init(_ snapshot: Snapshot) { self.snapshot = snapshot }
    }

    private let published: ManagedAtomic<Published>
    private let generationCounter: Atomic<UInt64>

    public init(_ initial: Snapshot) {
        published = ManagedAtomic(Published(initial))
        generationCounter = Atomic(initial.generation)
    }

    /// The generation of the latest published snapshot.
    public var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    /// Makes `s` current. Its generation should be higher than the current one's. The snapshot is stored
    /// before the generation, so a loop that sees the new generation finds (at least) this snapshot.
    public func publish(_ s: Snapshot) {
        published.store(Published(s), ordering: .releasing)
        generationCounter.store(s.generation, ordering: .releasing)
    }

    /// The latest published snapshot.
    public func current() -> Snapshot {
        published.load(ordering: .acquiring).snapshot
    }
}
