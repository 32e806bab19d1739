import CShims
import Glibc
import Testing
@testable import LimpetIO

/// Submissions the kernel cannot take right away: they are retried after reaping, and one that finally fails
/// completes with its errno like any failed operation, instead of vanishing.
@Suite(.enabled(if: PollerTests.uringAvailable)) struct URingSubmissionTests {
    /// Polls until every token in `tokens` completed or `seconds` pass: each token's results, in order.
    static func collect(_ poller: Poller, _ tokens: Set<UInt64>, seconds: Double = 2) throws -> [UInt64: [Int32]] {
        let end = limpet_monotonic_ns() + UInt64(seconds * 1e9)
        var seen: [UInt64: [Int32]] = [:]
        while seen.count < tokens.count && limpet_monotonic_ns() < end {
            try poller.poll(timeoutNanos: 20_000_000) { c in
                if tokens.contains(c.token) { seen[c.token, default: []].append(c.result) }
                if c.buffer != nil { poller.releaseProvided(c.bufferID) }
            }
        }
        return seen
    }

    @Test func aSubmissionThatKeepsFailingCompletesWithItsErrno() throws {
        let poller = try URingPoller(entries: 8, providedBuffers: 8, providedBufferSize: 4096)
        let pair = try PollerTests.Pair()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        defer { buffer.deallocate() }
        poller.injectedBusy = URingPoller.submitAttempts
        poller.recv(fd: pair.ours, into: buffer, count: 64, token: 1)
        #expect(poller.injectedBusy == 0)
        #expect(try Self.collect(poller, [1]) == [1: [-EBUSY]])
    }

    @Test func aSubmissionThatSucceedsOnRetryIsNotReportedAsFailed() throws {
        let poller = try URingPoller(entries: 8, providedBuffers: 8, providedBufferSize: 4096)
        let pair = try PollerTests.Pair()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        defer { buffer.deallocate() }
        poller.injectedBusy = URingPoller.submitAttempts - 1
        poller.recv(fd: pair.ours, into: buffer, count: 64, token: 2)
        pair.write("hello")
        #expect(try Self.collect(poller, [2]) == [2: [5]])
    }

    /// Far more operations than the rings hold, queued without polling in between: the submission queue fills
    /// (and with it, the completion queue overflows), and every operation still completes exactly once.
    @Test func moreOperationsThanTheRingsHoldAllComplete() throws {
        let poller = try URingPoller(entries: 4, providedBuffers: 8, providedBufferSize: 4096)
        let pair = try PollerTests.Pair()
        let byte = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        defer { byte.deallocate() }
        byte.storeBytes(of: 42, as: UInt8.self)
        let count: UInt64 = 200
        for token in 1...count { poller.send(fd: pair.ours, from: byte, count: 1, token: token) }
        let seen = try Self.collect(poller, Set(1...count))
        #expect(seen.count == Int(count))
        #expect(seen.values.allSatisfy { $0 == [1] })
    }
}
