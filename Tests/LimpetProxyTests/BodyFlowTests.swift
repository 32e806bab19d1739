import LimpetHTTP
import Testing
@testable import LimpetProxy

/// `BodyFlow` decides what to do next; these drive it with no sockets, playing the kernel's part by hand.
@Suite struct BodyFlowTests {
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 16)

    func flow(_ framing: BodyFraming, start: Int = 0, end: Int = 0, threshold: Int = 100) -> BodyFlow {
        BodyFlow(BodyTracker(framing), capacity: 1024, spliceThreshold: threshold, pipeSize: 300, start: start,
                 taken: start, end: end)
    }

    @Test func smallBodyGoesThroughTheBuffer() {
        var f = flow(.length(10))
        var step = f.step(buffer: buffer)
        #expect(step.read == .recv(offset: 0, count: 1024) && step.write == nil && !step.finished)
        f.received(10)
        step = f.step(buffer: buffer)
        #expect(step.write == .send(offset: 0, count: 10) && step.read == nil)
        f.sent(4)  // a short send goes on from where it stopped
        step = f.step(buffer: buffer)
        #expect(step.write == .send(offset: 4, count: 6))
        f.sent(6)
        #expect(f.step(buffer: buffer).finished)
    }

    @Test func bytesAfterTheBodyAreLeftForTheNextMessage() {
        // 5 body bytes and 7 bytes of a pipelined request already in the buffer.
        var f = flow(.length(5), start: 0, end: 12)
        var step = f.step(buffer: buffer)
        #expect(step.write == .send(offset: 0, count: 5) && step.read == nil)
        f.sent(5)
        step = f.step(buffer: buffer)
        #expect(step.finished && f.leftover == 7 && f.taken == 5 && f.end == 12)
    }

    @Test func largeBodyOverlapsFillingOnePipeWithDrainingTheOther() {
        var f = flow(.length(1000))
        var step = f.step(buffer: buffer)
        #expect(step.read == .spliceIn(pipe: 0, count: 300))
        f.splicedIn(300)
        step = f.step(buffer: buffer)
        // Drain pipe 0 while filling pipe 1 (nothing follows yet: no SPLICE_F_MORE).
        #expect(step.write == .spliceOut(pipe: 0, count: 300, more: false) && step.read == .spliceIn(pipe: 1, count: 300))
        f.splicedIn(300)
        step = f.step(buffer: buffer)
        #expect(step.write == nil && step.read == nil)  // pipe 0 still draining, pipe 1 full
        f.splicedOut(300)
        step = f.step(buffer: buffer)
        // Order is kept: pipe 1 (filled second) drains now, pipe 0 fills again.
        #expect(step.write == .spliceOut(pipe: 1, count: 300, more: false) && step.read == .spliceIn(pipe: 0, count: 300))
        f.splicedIn(300)
        f.splicedOut(300)
        step = f.step(buffer: buffer)
        // 100 bytes left: still at the threshold, so one more splice; then pipe 0 drains.
        #expect(step.write == .spliceOut(pipe: 0, count: 300, more: false) && step.read == .spliceIn(pipe: 1, count: 100))
        f.splicedIn(100)
        f.splicedOut(300)
        step = f.step(buffer: buffer)
        // The last bytes of the body: no SPLICE_F_MORE, so the socket pushes them out.
        #expect(step.write == .spliceOut(pipe: 1, count: 100, more: false) && step.read == nil)
        f.splicedOut(100)
        #expect(f.step(buffer: buffer).finished)
    }

    @Test func bufferedBytesLeaveBeforePipedOnes() {
        var f = flow(.length(500), start: 0, end: 50)  // 50 body bytes came with the head
        let step = f.step(buffer: buffer)
        #expect(step.write == .send(offset: 0, count: 50) && step.read == .spliceIn(pipe: 0, count: 300))
        f.splicedIn(300)
        #expect(f.step(buffer: buffer).write == nil)  // the send is still out: the pipe waits
        f.sent(50)
        #expect(f.step(buffer: buffer).write == .spliceOut(pipe: 0, count: 300, more: false))
    }

    @Test func spliceMoreOnlyWhenTheNextBytesAreAlreadyPiped() {
        var f = flow(.length(1000))
        _ = f.step(buffer: buffer)
        f.splicedIn(300)
        _ = f.step(buffer: buffer)  // drains pipe 0, fills pipe 1
        f.splicedIn(300)
        f.splicedOut(100)  // a short splice: pipe 0 still holds 200, pipe 1 holds 300 that follow them
        #expect(f.step(buffer: buffer).write == .spliceOut(pipe: 0, count: 200, more: true))
    }

    @Test func aCopyBufferHalfSendsOnFromWhereAShortSendStopped() {
        // A copy buffer standing in for the pipes needs to know where a pipe's unsent bytes start.
        var f = flow(.length(1000))
        _ = f.step(buffer: buffer)
        f.splicedIn(250)
        #expect(f.offset(inPipe: 0) == 0)
        _ = f.step(buffer: buffer)  // drains pipe 0, fills pipe 1
        f.splicedOut(100)
        #expect(f.offset(inPipe: 0) == 100 && f.step(buffer: buffer).write == .spliceOut(pipe: 0, count: 150, more: false))
        f.splicedOut(150)  // pipe 0 empty: it fills from its start again
        #expect(f.offset(inPipe: 0) == 0)
        f.splicedIn(300)  // pipe 1
        _ = f.step(buffer: buffer)  // drains pipe 1, fills pipe 0
        f.splicedOut(299)
        #expect(f.offset(inPipe: 1) == 299)
    }

    @Test func malformedChunkingIsReported() {
        let bad = Array("zz\r\n".utf8)
        buffer.copyMemory(from: bad, byteCount: bad.count)
        var f = flow(.chunked, start: 0, end: bad.count)
        #expect(f.step(buffer: buffer).malformed)
    }

    @Test func tunnelEndsWhenTheSourceClosesAndEverythingIsDelivered() {
        var f = flow(.tunnel)
        var step = f.step(buffer: buffer)
        #expect(step.read == .spliceIn(pipe: 0, count: 300))
        f.splicedIn(20)
        step = f.step(buffer: buffer)
        #expect(step.write == .spliceOut(pipe: 0, count: 20, more: false) && step.read == .spliceIn(pipe: 1, count: 300))
        let ended = f.sourceEnded()  // EOF on the read in flight
        #expect(ended)
        step = f.step(buffer: buffer)
        #expect(!step.finished)  // 20 bytes still on their way out
        f.splicedOut(20)
        #expect(f.step(buffer: buffer).finished)
    }

    @Test func lengthBodyCutShortIsNotAnEnd() {
        var f = flow(.length(10))
        _ = f.step(buffer: buffer)
        let ended = f.sourceEnded()
        #expect(!ended)
    }
}
