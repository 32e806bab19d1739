/// Echoes RFC 6455 frames after a `101 Switching Protocols`: data frames go back unmasked
/// with the same opcode and FIN bit (so fragmented messages stay fragmented), a ping is
/// answered with a pong, a close frame with a close frame and the end of the connection.
/// Payloads stream through the read buffer; no frame is held whole.
struct WebSocketEcho {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    let stream: SocketStream

    func run() throws {
        while true {
            try stream.require(2)
            let first = stream.byte(at: 0)
            let second = stream.byte(at: 1)
            let opcode = first & 0x0f
            let masked = second & 0x80 != 0
            let shortLength = Int(second & 0x7f)
            let lengthBytes = shortLength == 126 ? 2 : shortLength == 127 ? 8 : 0
            let headerLength = 2 + lengthBytes + (masked ? 4 : 0)
            try stream.require(headerLength)
            var length = UInt64(shortLength)
            if lengthBytes > 0 {
                length = 0
                for index in 0..<lengthBytes { length = length << 8 | UInt64(stream.byte(at: 2 + index)) }
            }
            var mask: [UInt8] = [0, 0, 0, 0]
            if masked { for index in 0..<4 { mask[index] = stream.byte(at: 2 + lengthBytes + index) } }
            stream.consume(headerLength)

            if first & 0x70 != 0 {
                try close(code: 1002)
                return
            }
            switch opcode {
            case 0x0, 0x1, 0x2:  // continuation, text, binary
                try stream.write(Self.header(first: first & 0x8f, length: length))
                try relay(length, mask: mask) { try stream.write($0) }
            case 0x8:  // close: answer with the same status code, then end
                guard length <= 125 else { try close(code: 1002); return }
                let payload = try readControl(length, mask: mask)
                try stream.write(Self.header(first: 0x88, length: UInt64(min(payload.count, 2))) + payload.prefix(2))
                stream.finish()
                return
            case 0x9:  // ping
                guard length <= 125 else { try close(code: 1002); return }
                let payload = try readControl(length, mask: mask)
                try stream.write(Self.header(first: 0x8a, length: UInt64(payload.count)) + payload)
            case 0xa:  // pong
                guard length <= 125 else { try close(code: 1002); return }
                _ = try readControl(length, mask: mask)
            default:
                try close(code: 1002)
                return
            }
        }
    }

    private func close(code: UInt16) throws {
        try stream.write(Self.header(first: 0x88, length: 2) + [UInt8(code >> 8), UInt8(code & 0xff)])
        stream.finish()
    }

    private func readControl(_ length: UInt64, mask: [UInt8]) throws -> [UInt8] {
        var payload: [UInt8] = []
        try relay(length, mask: mask) { payload.append(contentsOf: $0) }
        return payload
    }

    /// Passes `length` payload bytes to `sink`, unmasked in place in the read buffer.
    private func relay(_ length: UInt64, mask: [UInt8], _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var remaining = length
        var offset = 0
        while remaining > 0 {
            if stream.buffered == 0, try !stream.fill() { throw StreamError.unexpectedEOF }
            let count = Int(min(UInt64(stream.buffered), remaining))
            let bytes = stream.bytes
            for index in 0..<count {
                bytes[index] ^= mask[(offset + index) & 3]
            }
            try sink(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[0..<count]))
            stream.consume(count)
            offset = (offset + count) & 3
            remaining -= UInt64(count)
        }
    }

    /// A server frame header: never masked, shortest length encoding.
    static func header(first: UInt8, length: UInt64) -> [UInt8] {
        if length < 126 { return [first, UInt8(length)] }
        if length <= 0xffff { return [first, 126, UInt8(length >> 8), UInt8(length & 0xff)] }
        return [first, 127] + (0..<8).reversed().map { UInt8((length >> (UInt64($0) * 8)) & 0xff) }
    }
}
