import Glibc
import LimpetIO

/// How a client connection's bytes cross its socket: the seam between the poller and the HTTP logic. Every
/// operation on the client socket (`recv`, the provided-buffer `recv` of a head, `send`, `splice`, the half-close)
/// goes through here; the HTTP logic above it sees plaintext bytes and completions, whatever the transport.
///
/// - `plain`: today's sockets. Operations go to the poller as they are, and bodies may be spliced between the
///   socket and a pipe.
///
/// TLS (the next issue) adds a case holding the connection's TLS state (an OpenSSL `SSL` over two memory BIOs, via
/// CShims): its `recv` submits a recv of ciphertext into the transport's own buffer and completes the caller's
/// operation only with decrypted bytes; its `send` encrypts into the transport's buffer and completes the caller's
/// send once those records are on the wire; the handshake runs before the first head is read, under the read
/// timeout; `splices` is false, so every body to or from that client is copied through the loop's buffers.
/// ARCHITECTURE.md ("Transports") says exactly where each hook sits.
enum ClientTransport {
    case plain

    /// Whether bodies may move between this socket and a pipe in the kernel (`splice`).
    var splices: Bool {
        switch self {
        case .plain: true
        }
    }
}

extension ClientConnection {
    /// A recv into `buffer` of up to `count` bytes.
    @inline(__always)
    func transportRecv(into buffer: UnsafeMutableRawPointer, count: Int, token: UInt64, likelyEmpty: Bool = false) {
        switch transport {
        case .plain: loop.poller.recv(fd: fd, into: buffer, count: count, token: token, likelyEmpty: likelyEmpty)
        }
    }

    /// A recv into a buffer the poller picks when bytes arrive (an idle connection holds none).
    @inline(__always)
    func transportRecvProvided(token: UInt64, likelyEmpty: Bool) {
        switch transport {
        case .plain: loop.poller.recvProvided(fd: fd, token: token, likelyEmpty: likelyEmpty)
        }
    }

    /// A send of `count` bytes from `buffer`; completes with how many were taken.
    @inline(__always)
    func transportSend(from buffer: UnsafeRawPointer, count: Int, token: UInt64) {
        switch transport {
        case .plain: loop.poller.send(fd: fd, from: buffer, count: count, token: token)
        }
    }

    /// A splice between the client socket and a pipe; only called when `transport.splices`.
    @inline(__always)
    func transportSplice(pipe: Int32, count: Int, intoSocket: Bool, more: Bool, token: UInt64) {
        switch transport {
        case .plain:
            if intoSocket {
                loop.poller.splice(from: pipe, to: fd, count: count, socket: fd, intoSocket: true, more: more,
                                   token: token)
            } else {
                loop.poller.splice(from: fd, to: pipe, count: count, socket: fd, intoSocket: false, more: false,
                                   token: token)
            }
        }
    }

    /// Ends the client's direction of the stream once everything before it is out (a final response with
    /// `Connection: close`, or the server's side of a tunnel ending).
    func transportShutdownWrite() {
        switch transport {
        case .plain: try? Posix.shutdown(fd, .write)  // ENOTCONN: the peer is gone, and the close follows
        }
    }
}
