import LimpetRouting
import Synchronization

/// Where providers publish snapshots and event loops pick them up (STYLE "Configuration swap").
///
/// A loop reads `generation` once per tick (one relaxed-cost atomic load, no retain) and calls
/// `current()` only when it changed, keeping its own reference to the snapshot in between.
@available(macOS 15.0, *)
public final class SnapshotStore: Sendable {
    private let snapshot: Mutex<Snapshot>
    private let generationCounter: Atomic<UInt64>

    public init(_ initial: Snapshot) {
        snapshot = Mutex(initial)
        generationCounter = Atomic(initial.generation)
    }

    /// The generation of the latest published snapshot.
    public var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    /// Makes `s` current. Its generation should be higher than the current one's.
    public func publish(_ s: Snapshot) {
        snapshot.withLock { $0 = s }
        generationCounter.store(s.generation, ordering: .releasing)
    }

    /// The latest published snapshot.
    public func current() -> Snapshot {
        snapshot.withLock { $0 }
    }
}
