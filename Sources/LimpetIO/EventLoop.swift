import CShims
import Glibc
import HeapModule
import Synchronization

/// Something that owns file descriptors on a loop and reacts to their completions and to its timer.
public protocol LoopHandler: AnyObject {
    /// `op` is the operation code the handler put in the token.
    func complete(op: UInt8, _ completion: Completion)
    /// The deadline set with `EventLoop.arm` has passed (it may have been moved since; check).
    func timerFired()
}

/// One event loop: a thread, a poller, a table of handler slots and a timer heap. Everything here runs on the
/// loop's own thread except `execute(_:)`, the only way in from elsewhere (a locked queue plus an eventfd).
public final class EventLoop {
    public static let wakeToken: UInt64 = .max

    public let poller: Poller
    public let index: Int
    /// Monotonic nanoseconds, refreshed before each completion is handled and before timers fire.
    public private(set) var now: UInt64

    private struct Slot {
        var handler: LoopHandler?
        var generation: UInt32 = 0
    }

    private struct Timer: Comparable {
        var deadline: UInt64
        var slot: UInt32
        var generation: UInt32
        static func < (a: Timer, b: Timer) -> Bool { a.deadline < b.deadline }
    }

    private var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    private var timers = Heap<Timer>()
    private let wakeFD: Int32
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    private var running = false
    /// Called once per tick before waiting (configuration pick-up, pool sweeps).
    public var tickHook: (() -> Void)?
    /// Called on the loop when the process begins a graceful stop.
    public var drainHook: (() -> Void)?

    public init(index: Int, poller: Poller) throws(IOError) {
        self.index = index
        self.poller = poller
        let fd = limpet_eventfd()
        guard fd >= 0 else { throw IOError("eventfd", errno: -fd) }
        wakeFD = fd
        now = limpet_monotonic_ns()
        poller.watchWakeup(fd: fd)
    }

    deinit { close(wakeFD) }

    // MARK: handler slots

    /// A handler's place in the loop; tokens built from it are only delivered while it stays registered.
    public struct Registration: Sendable, Equatable {
        public let slot: UInt32
        public let generation: UInt32
        @inlinable public func token(_ op: UInt8) -> UInt64 { Token.make(slot: slot, generation: generation, op: op) }
    }

    public func register(_ handler: LoopHandler) -> Registration {
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = UInt32(slots.count)
            slots.append(Slot())
        }
        slots[Int(slot)].handler = handler
        return Registration(slot: slot, generation: slots[Int(slot)].generation)
    }

    /// Frees the slot; later completions or timers for it are dropped.
    public func unregister(_ registration: Registration) {
        let i = Int(registration.slot)
        guard slots[i].generation == registration.generation, slots[i].handler != nil else { return }
        slots[i].handler = nil
        slots[i].generation = (slots[i].generation &+ 1) & 0xFF_FFFF
        freeSlots.append(registration.slot)
    }

    /// Every registered handler (for rare whole-loop walks such as draining; never on the hot path).
    public var handlers: [LoopHandler] { slots.compactMap(\.handler) }

    // MARK: timers

    /// Calls the handler's `timerFired` at or after `deadline` (monotonic ns). Handlers keep their own current
    /// deadline and re-arm when it moved, so a connection that is busy never grows the heap.
    public func arm(_ registration: Registration, at deadline: UInt64) {
        timers.insert(Timer(deadline: deadline, slot: registration.slot, generation: registration.generation))
    }

    private func fireTimers() {
        while let first = timers.min, first.deadline <= now {
            _ = timers.removeMin()
            let slot = slots[Int(first.slot)]
            if slot.generation == first.generation, let handler = slot.handler { handler.timerFired() }
        }
    }

    // MARK: cross-thread tasks

    /// Runs `task` on this loop's thread soon. Safe from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        tasks.withLock { $0.append(task) }
        _ = limpet_eventfd_signal(wakeFD)
    }

    private func runTasks() {
        let pending = tasks.withLock { queue -> [@Sendable () -> Void] in
            let taken = queue
            queue.removeAll()
            return taken
        }
        for task in pending { task() }
    }

    // MARK: running

    /// Runs until `stop()` is called on this thread (typically from a task).
    public func run() throws(IOError) {
        running = true
        while running {
            tickHook?()
            var timeout: Int64 = -1
            if let first = timers.min {
                timeout = first.deadline > now ? Int64(first.deadline - now) : 0
            }
            var woke = true
            try poller.poll(timeoutNanos: timeout) { completion in
                // The loop may have slept: handlers must see the time they run at (deadlines, response times).
                // One clock read per wake-up, shared by the batch (as HAProxy and nginx do), rather than one per
                // completion: a batch takes microseconds, and a keep-alive request completes four operations.
                if woke {
                    now = limpet_monotonic_ns()
                    woke = false
                }
                if completion.token == EventLoop.wakeToken {
                    runTasks()
                    return
                }
                let slot = Int(Token.slot(completion.token))
                guard slot < slots.count, slots[slot].generation == Token.generation(completion.token),
                      let handler = slots[slot].handler else {
                    if completion.buffer != nil { poller.releaseProvided(completion.bufferID) }
                    return
                }
                handler.complete(op: Token.op(completion.token), completion)
            }
            now = limpet_monotonic_ns()
            fireTimers()
        }
    }

    public func stop() { running = false }
}
