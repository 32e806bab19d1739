import Glibc
import LimpetRouting

/// A server's socket address at a stable memory location (io_uring reads it after the submit call returns).
final class UpstreamAddress {
    let pointer: UnsafeMutableRawPointer
    let length: UInt32
    let family: Int32
    /// The server is on this host's loopback (`engine.splice: auto` then copies its bodies).
    let loopback: Bool

    init(_ address: SocketAddress) {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<sockaddr_storage>.size, alignment: 16)
        withUnsafeBytes(of: address.storage) { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        self.pointer = pointer
        length = UInt32(address.length)
        family = Int32(address.storage.ss_family)
        loopback = address.isLoopback
    }

    deinit { pointer.deallocate() }
}
