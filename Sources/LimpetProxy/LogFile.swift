import Foundation
import Glibc
import LimpetIO
import Logging
import Synchronization

/// `log.filePath`: the process log appended to a file that SIGUSR1 reopens, so logrotate can move it away
/// (`postrotate kill -USR1 …`) without losing a line.
///
/// Writes take a lock: log lines are rare (start-up, reloads, failures), never per request.
final class LogFile: Sendable {
    let path: String
    private let fd: Mutex<Int32>

    init(path: String) throws {
        self.path = path
        fd = Mutex(try LogFile.open(path))
    }

    private static func open(_ path: String) throws -> Int32 {
        do throws(IOError) {
            return try Posix.openForAppending(path)
        } catch {
            throw IOError("open \(path)", errno: error.errno)
        }
    }

    func write(_ line: String) {
        var text = line
        text.withUTF8 { bytes in
            // A line that cannot be written (disk full) is dropped: there is nowhere left to report it.
            fd.withLock { fd in try? Posix.writeAll(fd, UnsafeRawBufferPointer(bytes)) }
        }
    }

    /// Opens the path again (after a rotation moved the old file away); the old file stays in use if that fails.
    func reopen() throws {
        let fresh = try LogFile.open(path)
        let old = fd.withLock { fd in
            let old = fd
            fd = fresh
            return old
        }
        Posix.close(old)
    }
}

/// A swift-log handler writing `timestamp level label: [source] message` lines, like `StreamLogHandler`, to a
/// `LogFile`.
struct FileLogHandler: LogHandler {
    let label: String
    let file: LogFile
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let fields = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
        file.write("\(FileLogHandler.timestamp()) \(event.level) \(label):\(fields) [\(event.source)] \(event.message)\n")
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
