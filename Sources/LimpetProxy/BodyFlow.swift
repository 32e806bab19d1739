/// One direction of an exchange's body (or of a tunnel), as a pure state machine: it says which operations to
/// start and is told how they ended; the connection performs them on the right sockets. No I/O, no clock, so it
/// can be tested alone.
///
/// Bytes move two ways. Small amounts go through `buffer` (recv, then send). Once at least `spliceThreshold` bytes
/// of the body remain, they move kernel-side through two pipes used in turn, so that filling one from the source
/// overlaps draining the other into the destination. Order is kept: buffered bytes first, then pipes in the order
/// they were filled. At most one read-side operation (recv or splice from the source) and one write-side
/// operation (send or splice to the destination) are in flight, as the poller contract requires.
struct BodyFlow {
    enum Action: Equatable {
        /// Send `buffer[offset ..< offset + count]` to the destination.
        case send(offset: Int, count: Int)
        /// Receive from the source into `buffer[offset ..< offset + count]`.
        case recv(offset: Int, count: Int)
        /// Splice up to `count` bytes from the source into pipe `pipe` (0 or 1), which is empty.
        case spliceIn(pipe: Int, count: Int)
        /// Splice `count` bytes from pipe `pipe` into the destination; `more`: the other pipe already holds the
        /// bytes that follow.
        case spliceOut(pipe: Int, count: Int, more: Bool)
    }

    /// What to do now: up to one write-side and one read-side action, or the end.
    struct Step: Equatable {
        var write: Action?
        var read: Action?
        /// Every byte of the body has been delivered and nothing is in flight.
        var finished = false
        /// The framing is broken (a bad chunk): the exchange cannot go on.
        var malformed = false
    }

    var tracker: BodyTracker
    let capacity: Int
    let spliceThreshold: Int
    let pipeSize: Int
    /// `buffer[start ..< taken]`: body bytes still to send; `buffer[taken ..< end]`: bytes not yet looked at
    /// (past the end of the body they belong to the next message and are left alone).
    private(set) var start: Int
    private(set) var taken: Int
    private(set) var end: Int
    private(set) var pipeBytes = (0, 0)
    /// Bytes put into each pipe since it was last empty: where a copy buffer standing in for the pipe has its
    /// unsent bytes (`offset(inPipe:)`).
    private var pipeFill = (0, 0)
    /// Fill order of the pipes, so they drain first-filled first.
    private var filledAt = (0, 0)
    private var fills = 0
    private var readingPipe: Int?
    private var writingPipe: Int?
    private(set) var reading = false
    /// Bytes written to the destination so far (for the exchange observer).
    private(set) var delivered = 0
    private(set) var writing = false

    /// `buffer[start ..< end]` already holds bytes from the source (after the head); the first `taken - start`
    /// of them were already accepted as body.
    init(_ tracker: BodyTracker, capacity: Int, spliceThreshold: Int, pipeSize: Int, start: Int, taken: Int,
         end: Int) {
        self.tracker = tracker
        self.capacity = capacity
        self.spliceThreshold = spliceThreshold
        self.pipeSize = pipeSize
        self.start = start
        self.taken = taken
        self.end = end
    }

    /// A flow with nothing to move (between exchanges).
    static let idle = BodyFlow(BodyTracker(.none), capacity: 0, spliceThreshold: 0, pipeSize: 0, start: 0, taken: 0,
                               end: 0)

    private func bytes(in pipe: Int) -> Int { pipe == 0 ? pipeBytes.0 : pipeBytes.1 }
    private mutating func add(_ n: Int, to pipe: Int) {
        if pipe == 0 { pipeBytes.0 += n } else { pipeBytes.1 += n }
    }
    var pipesEmpty: Bool { pipeBytes.0 == 0 && pipeBytes.1 == 0 }
    /// Where the bytes still in `pipe` start, counted from where filling it began. A kernel pipe needs no
    /// offset; a copy buffer standing in for it does (`.spliceOut` then sends from there).
    func offset(inPipe pipe: Int) -> Int {
        pipe == 0 ? pipeFill.0 - pipeBytes.0 : pipeFill.1 - pipeBytes.1
    }
    /// Bytes after the body that belong to the next message.
    var leftover: Int { tracker.isComplete ? end - taken : 0 }

    /// The operations to start now. `buffer` is where `start`, `taken` and `end` point.
    mutating func step(buffer: UnsafeRawPointer) -> Step {
        var step = Step()
        // Look at buffered bytes first: how many belong to the body (the scanner sees each byte once).
        if taken < end && !tracker.isComplete {
            guard let n = tracker.take(UnsafeRawBufferPointer(start: buffer + taken, count: end - taken)) else {
                step.malformed = true
                return step
            }
            taken += n
        }
        if !writing {
            if taken > start {
                step.write = .send(offset: start, count: taken - start)
                writing = true
            } else if let pipe = oldestFilledPipe() {
                // SPLICE_F_MORE only when the next bytes are already here (the other pipe): the socket may then
                // hold a partial segment back, and it must never wait for a source that has gone quiet.
                step.write = .spliceOut(pipe: pipe, count: bytes(in: pipe), more: bytes(in: 1 - pipe) > 0)
                writing = true
                writingPipe = pipe
            }
        }
        if !reading && !tracker.isComplete && taken == end {
            let opaque = tracker.opaqueRemaining
            if opaque >= Int64(spliceThreshold), let pipe = emptyIdlePipe() {
                step.read = .spliceIn(pipe: pipe, count: Int(min(opaque, Int64(pipeSize))))
                reading = true
                readingPipe = pipe
            } else if opaque < Int64(spliceThreshold) && pipesEmpty && !writing && start == end {
                // The buffer is drained: reuse it from the start.
                start = 0
                taken = 0
                end = 0
                step.read = .recv(offset: 0, count: capacity)
                reading = true
            }
        }
        step.finished = tracker.isComplete && !reading && !writing && taken == start && pipesEmpty
        return step
    }

    private func oldestFilledPipe() -> Int? {
        switch (pipeBytes.0 > 0 && readingPipe != 0, pipeBytes.1 > 0 && readingPipe != 1) {
        case (true, true): filledAt.0 < filledAt.1 ? 0 : 1
        case (true, false): 0
        case (false, true): 1
        case (false, false): nil
        }
    }

    private func emptyIdlePipe() -> Int? {
        if pipeBytes.0 == 0 && writingPipe != 0 { return 0 }
        if pipeBytes.1 == 0 && writingPipe != 1 { return 1 }
        return nil
    }

    // MARK: completions (n > 0; the caller handles errors and end of stream)

    mutating func sent(_ n: Int) {
        writing = false
        delivered &+= n
        start += n
    }

    mutating func received(_ n: Int) {
        reading = false
        end += n
    }

    mutating func splicedIn(_ n: Int) {
        reading = false
        if let pipe = readingPipe {
            add(n, to: pipe)
            if pipe == 0 { pipeFill.0 += n } else { pipeFill.1 += n }
            fills += 1
            if pipe == 0 { filledAt.0 = fills } else { filledAt.1 = fills }
        }
        readingPipe = nil
        tracker.skip(n)
    }

    mutating func splicedOut(_ n: Int) {
        writing = false
        delivered &+= n
        if let pipe = writingPipe {
            add(-n, to: pipe)
            if bytes(in: pipe) == 0 {
                if pipe == 0 { pipeFill.0 = 0 } else { pipeFill.1 = 0 }
            }
        }
        writingPipe = nil
    }

    /// A read or write ended without moving bytes (EAGAIN from a spurious wake-up): try it again.
    mutating func retryRead() {
        reading = false
        readingPipe = nil
    }

    mutating func retryWrite() {
        writing = false
        writingPipe = nil
    }

    /// The source closed. True when that is how this body ends (close-delimited, tunnel): it then counts as
    /// complete once what is buffered and piped is delivered. False: the body was cut short.
    mutating func sourceEnded() -> Bool {
        reading = false
        readingPipe = nil
        guard tracker.endsAtClose else { return false }
        tracker = BodyTracker(.none)
        return true
    }
}
