import CShims
import Glibc
import Testing
@testable import LimpetIO

/// Both pollers against a real TCP connection on 127.0.0.1: what a receive delivers when bytes arrive in pieces,
/// when the peer's close follows its last bytes, and when `likelyEmpty` guesses wrong.
@Suite struct PollerTests {
    static let uringAvailable = (try? URingPoller(entries: 8, providedBuffers: 8, providedBufferSize: 4096)) != nil

    static func make(_ kind: String) throws -> Poller {
        kind == "epoll" ? try EpollPoller(providedBufferSize: 4096)
                        : try URingPoller(entries: 64, providedBuffers: 16, providedBufferSize: 4096)
    }

    /// A connected pair: `ours` (non-blocking, driven through the poller) and `peer` (blocking, written directly).
    struct Pair: ~Copyable {
        let ours: Int32
        let peer: Int32
        init() throws {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(listener) }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    bind(listener, sa, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, sa, &length) == 0
                }
            }
            guard bound else { throw IOError("bind", errno: errno) }
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) == 0 }
            }
            guard connected else {
                close(client)
                throw IOError("connect", errno: errno)
            }
            var peerAddress = sockaddr_storage()
            var peerLength = socklen_t(0)
            let accepted = limpet_accept(listener, &peerAddress, &peerLength)  // non-blocking, as Limpet's are
            guard accepted >= 0 else {
                close(client)
                throw IOError("accept", errno: -accepted)
            }
            ours = accepted
            peer = client
        }
        func write(_ text: String) { _ = text.withCString { Glibc.send(peer, $0, strlen($0), 0) } }
        deinit {
            close(ours)
            close(peer)
        }
    }

    /// Polls until `token` completes or `seconds` pass; the completion's result, nil on timeout.
    static func wait(_ poller: Poller, for token: UInt64, seconds: Double = 2) throws -> Int32? {
        let end = limpet_monotonic_ns() + UInt64(seconds * 1e9)
        var result: Int32?
        while result == nil && limpet_monotonic_ns() < end {
            try poller.poll(timeoutNanos: 20_000_000) { c in
                if c.token == token { result = c.result }
                if c.buffer != nil { poller.releaseProvided(c.bufferID) }
            }
        }
        return result
    }

    static func check(_ kind: String) throws {
        let poller = try make(kind)
        let pair = try Pair()
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        defer { buffer.deallocate() }
        func text(_ n: Int32) -> String { String(decoding: UnsafeRawBufferPointer(start: buffer, count: Int(n)), as: UTF8.self) }

        // Bytes already there when the receive is submitted as likely empty are still received.
        pair.write("abc")
        usleep(20_000)
        poller.recv(fd: pair.ours, into: buffer, count: 64, token: 1, likelyEmpty: true)
        let first = try #require(try wait(poller, for: 1))
        #expect(first == 3 && text(first) == "abc")

        // After a short read nothing is pending; later bytes complete the next receive.
        poller.recv(fd: pair.ours, into: buffer, count: 64, token: 2, likelyEmpty: true)
        #expect(try wait(poller, for: 2, seconds: 0.1) == nil)
        pair.write("defg")
        let second = try #require(try wait(poller, for: 2))
        #expect(second == 4 && text(second) == "defg")

        // Bytes and the peer's close arriving together: the short read gets the bytes, the next the end.
        pair.write("hi")
        shutdown(pair.peer, Int32(SHUT_WR))
        usleep(20_000)
        poller.recv(fd: pair.ours, into: buffer, count: 64, token: 3)
        let third = try #require(try wait(poller, for: 3))
        #expect(third == 2 && text(third) == "hi")
        poller.recv(fd: pair.ours, into: buffer, count: 64, token: 4, likelyEmpty: true)
        #expect(try wait(poller, for: 4) == 0, "the end of the stream was not delivered")
        poller.forget(fd: pair.ours)
    }

    @Test func epollReceives() throws { try Self.check("epoll") }

    @Test(.enabled(if: uringAvailable)) func ioUringReceives() throws { try Self.check("io_uring") }
}
