import CShims
import Glibc

/// An inotify instance (`providers.file.watch`), closed when the value ends. Reads block the calling thread (the
/// watcher has one of its own), up to a timeout.
public struct Inotify: ~Copyable {
    public let descriptor: Int32

    /// inotify's event bits, as `inotify_add_watch` takes them and events carry them.
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let modify = Events(rawValue: LIMPET_IN_MODIFY)
        public static let attributes = Events(rawValue: LIMPET_IN_ATTRIB)
        public static let closeWrite = Events(rawValue: LIMPET_IN_CLOSE_WRITE)
        public static let movedFrom = Events(rawValue: LIMPET_IN_MOVED_FROM)
        public static let movedTo = Events(rawValue: LIMPET_IN_MOVED_TO)
        public static let create = Events(rawValue: LIMPET_IN_CREATE)
        public static let delete = Events(rawValue: LIMPET_IN_DELETE)
        public static let deleteSelf = Events(rawValue: LIMPET_IN_DELETE_SELF)
        public static let moveSelf = Events(rawValue: LIMPET_IN_MOVE_SELF)
        /// The watch was removed (by `removeWatch`, or because its directory went away).
        public static let ignored = Events(rawValue: LIMPET_IN_IGNORED)
        public static let queueOverflow = Events(rawValue: LIMPET_IN_Q_OVERFLOW)
        /// The event is about a subdirectory.
        public static let isDirectory = Events(rawValue: LIMPET_IN_ISDIR)
        /// Watch only if the path is a directory.
        public static let onlyDirectory = Events(rawValue: LIMPET_IN_ONLYDIR)
    }

    /// One event: its watch descriptor, bits, and the name in the watched directory ("" for the directory itself).
    public struct Event {
        public var watch: Int32
        public var events: Events
        public var name: String
    }

    /// Bytes that hold at least one event with the longest name: give `read` at least this much.
    public static var minimumBuffer: Int { LIMPET_INOTIFY_BUFFER }

    /// `inotify_init1(IN_CLOEXEC)`. Fails with `EMFILE` when `fs.inotify.max_user_instances` is reached.
    public init() throws(IOError) {
        guard case .processed(let fd) = try syscall("inotify_init1", { inotify_init1(Int32(IN_CLOEXEC)) }) else {
            throw IOError("inotify_init1", errno: EAGAIN)
        }
        descriptor = fd
    }

    deinit { Posix.close(descriptor) }

    /// `inotify_add_watch`: the watch descriptor. A second path naming the same inode answers the same descriptor
    /// (and replaces its mask). Fails with `ENOENT` for a missing path, `ENOSPC` past `max_user_watches`.
    public func addWatch(_ path: String, events: Events) throws(IOError) -> Int32 {
        let result = try path.withCString { path in
            Result { () throws(IOError) in
                try syscall("inotify_add_watch") { inotify_add_watch(descriptor, path, events.rawValue) }
            }
        }.get()
        guard case .processed(let watch) = result else { throw IOError("inotify_add_watch", errno: EAGAIN) }
        return watch
    }

    /// `inotify_rm_watch`; the kernel then queues an `ignored` event for `watch`.
    public func removeWatch(_ watch: Int32) throws(IOError) {
        _ = try syscall("inotify_rm_watch") { inotify_rm_watch(descriptor, watch) }
    }

    /// Waits up to `timeoutMilliseconds` (< 0: forever) for events, then reads as many whole events as fit:
    /// the bytes read, 0 on timeout. Decode them with `events(in:)`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(IOError) -> Int {
        guard try Posix.wait(descriptor, for: Int16(POLLIN), timeoutMilliseconds: timeoutMilliseconds) else { return 0 }
        guard case .processed(let n) = try syscall("read", { Glibc.read(descriptor, buffer.baseAddress, buffer.count) })
        else { return 0 }
        return n
    }

    /// The whole events in `bytes` filled by `read`.
    public static func events(in bytes: UnsafeRawBufferPointer) -> [Event] {
        var result: [Event] = []
        var offset = 0
        var watch: Int32 = 0
        var mask: UInt32 = 0
        var name: UnsafePointer<CChar>?
        while limpet_inotify_next(bytes.baseAddress, bytes.count, &offset, &watch, &mask, &name) == 1 {
            result.append(Event(watch: watch, events: Events(rawValue: mask), name: name.map { String(cString: $0) } ?? ""))
        }
        return result
    }
}
