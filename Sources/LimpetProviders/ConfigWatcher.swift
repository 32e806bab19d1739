import Foundation
import Glibc
import LimpetConfig
import LimpetIO
import Logging

/// `providers.file.watch`: follows the file provider's file or directory with inotify and calls `onChange` once
/// per burst of changes. Created on the main thread (it reads the files then), then confined to the thread that
/// calls `run(update:)`, which reports each change as `.filesChanged`; hence `@unchecked Sendable`.
///
/// What is watched
/// - `filename`: the file's parent *directory*, events filtered by the file's name. Watching the directory rather
///   than the file keeps working when the file is replaced instead of rewritten (vim, `mv tmp file`) and when it is
///   deleted and created again later. A symlink is followed hop by hop: the first name its target goes through in
///   the same directory is watched too (a Kubernetes ConfigMap volume swaps `..data`, which `file.yaml ->
///   ..data/file.yaml` goes through), and a target in another directory gets that directory watched.
/// - `directory`: the directory and every subdirectory, recursively, by the loader's rules (`*.yml`/`*.yaml`,
///   names starting with `.` skipped, symlinks followed); a subdirectory created later is watched once its creation
///   is seen, and what was written into it meanwhile is found by the content check below.
/// A directory that cannot be watched (missing, or removed later) is retried every second; the failure is logged
/// once, and the recovery too.
///
/// When `onChange` runs
/// The first relevant event opens a window of `providersThrottleDuration` (0: none) that collects the rest of the
/// burst. While a file written in place is still open (`IN_MODIFY` with no `IN_CLOSE_WRITE` yet) the window stays
/// open for up to a second more, so that a file truncated but not yet rewritten is not what gets loaded: an empty
/// file is a valid, empty configuration that would take every route down. Then the files are read and compared
/// byte for byte with what was read before.
///
/// Decision: an event that changed no byte (`touch`, a `chmod` that keeps the file readable, a re-sync that writes
/// identical content) does not reload. Traefik's file provider re-reads the files on every event, but its
/// configuration watcher then drops a configuration equal to the running one ("Skipping unchanged configuration"),
/// so nothing happens there either; here a no-op reload would still rebuild the snapshot, bump the generation, log
/// "configuration reloaded" and repeat every warning (or every error of a rejected file) each time. Limpet compares
/// bytes, not parsed configurations, so an edit of a comment does reload (harmlessly: balancer state carries over).
/// SIGHUP always reloads.
///
/// Where inotify is unavailable (no instance left, a sandbox without it) it falls back to comparing
/// `ConfigLoader.dynamicFingerprint` once a second.
public final class ConfigWatcher: Provider, @unchecked Sendable {
    public var name: String { "watch" }
    private let provider: FileProviderConfig
    private let staticConfig: StaticConfig
    private let logger: Logger
    private let throttle: UInt64
    private var onChange: () -> Void = {}

    /// What matters in one watched directory: these names, and with `yaml` every YAML file and subdirectory.
    private struct Interest {
        var names: Set<String> = []
        var yaml = false
    }

    private struct FileContent: Equatable {
        var path: String
        var bytes: Data?
    }

    /// The configured directory, or the file's parent.
    private let root: String
    /// Every directory that should be watched, with what matters in it.
    private var wanted: [String: Interest] = [:]
    private var watched: [String: Int32] = [:]
    /// Two paths naming one directory (a symlink) share a watch descriptor.
    private var paths: [Int32: Set<String>] = [:]
    /// Directories that could not be watched, each logged once.
    private var failing: Set<String> = []
    private var contents: [FileContent] = []

    /// Files written in place and not closed yet, as "wd/name".
    private var openWrites: Set<String> = []

    private static let retryInterval: UInt64 = 1_000_000_000
    /// How much longer the window stays open while a file written in place is still open (a writer that keeps its
    /// file open delays each reload by this much).
    private static let maxStretch: UInt64 = 1_000_000_000
    /// Symlink hops followed from `filename` (the kernel allows 40; a configuration file needs two).
    private static let maxHops = 8

    private static let directoryMask: Inotify.Events = [
        .closeWrite, .movedTo, .create, .delete, .movedFrom, .attributes, .modify, .deleteSelf, .moveSelf,
        .onlyDirectory,
    ]

    /// nil when the static configuration has no file provider. Reads the files as they are now: create the watcher
    /// before the configuration is first loaded, so that an edit made while Limpet starts is not missed (`run`
    /// compares against these contents once its watches are in place).
    public init?(_ staticConfig: StaticConfig, logger: Logger) {
        guard let provider = staticConfig.fileProvider else { return nil }
        self.provider = provider
        self.root = provider.filename.map(Self.parent(of:)) ?? provider.directory ?? "."
        self.staticConfig = staticConfig
        self.logger = logger
        self.throttle = staticConfig.providersThrottleDuration.wholeNanoseconds
        contents = readContents()
    }

    /// Watches forever on the calling thread, calling `onChange` after each burst of changes.
    public func run(update: @escaping @Sendable (ProviderUpdate) -> Void) -> Never {
        onChange = { update(.filesChanged) }
        let inotify = openInotify()
        resync(inotify, initial: true)
        compareAndReload()  // anything written since `init` read the files
        let throttling = "throttle \(throttle / 1_000_000)ms"
        if watched[root] == nil {
            // resync() logged why; "now watching" follows when a retry succeeds.
        } else if let filename = provider.filename {
            let more = wanted.count - 1
            let links = more > 0 ? " and \(more) more director\(more == 1 ? "y" : "ies") its symlinks go through" : ""
            logger.info("""
                providers.file.watch: watching \(root) for changes to \(Self.name(of: filename))\(links); \(throttling)
                """)
        } else {
            logger.info("""
                providers.file.watch: watching \(root) recursively (\(watched.count - 1) subdirectories now, more as \
                they appear); \(throttling)
                """)
        }

        let capacity = max(65_536, Inotify.minimumBuffer)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        var windowOpened: UInt64?
        var nextRetry = Monotonic.nanoseconds + Self.retryInterval
        while true {
            var deadline = windowOpened.map(closesAt)
            if !failing.isEmpty { deadline = min(deadline ?? nextRetry, nextRetry) }
            let now = Monotonic.nanoseconds
            let timeout = deadline.map { Int32(clamping: ($0 > now ? $0 - now + 999_999 : 0) / 1_000_000) } ?? -1
            let n: Int
            do throws(IOError) {
                n = try inotify.read(into: buffer, timeoutMilliseconds: timeout)
            } catch {
                logger.error("""
                    providers.file.watch: reading inotify events: \(Self.describe(error.errno)); polling every second
                    """)
                poll()
            }
            var relevant = n > 0 && consume(inotify, UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            let after = Monotonic.nanoseconds
            if relevant || (!failing.isEmpty && after >= nextRetry) {
                // A directory appearing may bring files with it: compare them like any other change.
                if resync(inotify) { relevant = true }
                nextRetry = after + Self.retryInterval
            }
            if relevant && windowOpened == nil { windowOpened = after }
            if let opened = windowOpened, after >= closesAt(opened) {
                windowOpened = nil
                openWrites.removeAll()
                compareAndReload()
            }
        }
    }

    /// An inotify instance, or (none left, a sandbox without it) the fallback: polling, forever.
    private func openInotify() -> Inotify {
        do throws(IOError) {
            return try Inotify()
        } catch {
            let hint = error.errno == EMFILE ? " (raise fs.inotify.max_user_instances)" : ""
            logger.warning("""
                providers.file.watch: inotify unavailable: \(Self.describe(error.errno))\(hint); polling every second
                """)
            poll()
        }
    }

    /// The end of the window opened at `opened`: the throttle, stretched while a file written in place is open.
    private func closesAt(_ opened: UInt64) -> UInt64 {
        opened + throttle + (openWrites.isEmpty ? 0 : Self.maxStretch)
    }

    // MARK: - Events

    /// Applies a batch of events; true when one of them may have changed the configuration.
    private func consume(_ inotify: borrowing Inotify, _ events: UnsafeRawBufferPointer) -> Bool {
        var relevant = false
        for event in Inotify.events(in: events) {
            let (wd, mask, name) = (event.watch, event.events, event.name)
            if mask.contains(.queueOverflow) {
                logger.warning("providers.file.watch: inotify queue overflowed; re-reading every file")
                relevant = true
                continue
            }
            guard let directories = paths[wd] else { continue }  // a watch already forgotten
            if !mask.isDisjoint(with: [.ignored, .deleteSelf, .moveSelf]) {
                // The directory itself went away (or moved, and the watch would follow it elsewhere): forget the
                // watch; resync() watches the path again, or retries it every second.
                forget(inotify, wd, remove: !mask.contains(.ignored))
                logger.debug("providers.file.watch: \(directories.sorted().joined(separator: ", ")) went away")
                relevant = true
                continue
            }
            guard directories.contains(where: { matches(name, mask: mask, in: $0) }) else { continue }
            let key = "\(wd)/\(name)"
            if mask.contains(.modify) { openWrites.insert(key) }
            if !mask.isDisjoint(with: [.closeWrite, .delete, .movedFrom]) { openWrites.remove(key) }
            logger.trace("providers.file.watch: event \(String(mask.rawValue, radix: 16)) on \(name)")
            relevant = true
        }
        return relevant
    }

    private func matches(_ name: String, mask: Inotify.Events, in directory: String) -> Bool {
        guard let interest = wanted[directory] else { return false }
        if interest.names.contains(name) { return true }
        guard interest.yaml, !name.hasPrefix(".") else { return false }
        return mask.contains(.isDirectory) || Self.isYAML(name)
    }

    // MARK: - Watches

    /// Recomputes the directories to watch, drops the watches no longer wanted and adds the missing ones.
    /// True when a watch was added after the initial pass (something appeared).
    @discardableResult
    private func resync(_ inotify: borrowing Inotify, initial: Bool = false) -> Bool {
        wanted = provider.filename.map(fileInterests) ?? directoryInterests()
        for (path, wd) in watched where wanted[path] == nil {
            watched[path] = nil
            paths[wd]?.remove(path)
            if paths[wd]?.isEmpty == true { forget(inotify, wd, remove: true) }
        }
        failing.formIntersection(wanted.keys)
        var added = false
        for path in wanted.keys.sorted() where watched[path] == nil {
            let attempt: Result<Int32, IOError> = Result { () throws(IOError) in
                try inotify.addWatch(path, events: Self.directoryMask)
            }
            if case .success(let wd) = attempt {
                watched[path] = wd
                paths[wd, default: []].insert(path)
                added = !initial
                if failing.remove(path) != nil {
                    logger.info("providers.file.watch: now watching \(path)")
                } else if !initial {
                    logger.debug("providers.file.watch: watching \(path)")
                }
            } else if case .failure(let error) = attempt, error.errno == ENOENT && provider.directory != nil
                && path != root {
                // A subdirectory that vanished since it was listed: the next pass forgets it.
                logger.debug("providers.file.watch: \(path) vanished before it could be watched")
            } else if case .failure(let error) = attempt, failing.insert(path).inserted {
                let hint = error.errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : ""
                logger.warning("""
                    providers.file.watch: cannot watch \(path): \(Self.describe(error.errno))\(hint); retrying every \
                    second
                    """)
            }
        }
        return added
    }

    /// Forgets watch `wd` under every path; `remove` also tells the kernel (not needed once it sent IN_IGNORED).
    private func forget(_ inotify: borrowing Inotify, _ wd: Int32, remove: Bool) {
        for path in paths[wd] ?? [] { watched[path] = nil }
        paths[wd] = nil
        if remove { try? inotify.removeWatch(wd) }
    }

    /// `filename`: its parent directory for its name, and the directories its symlinks go through.
    private func fileInterests(_ filename: String) -> [String: Interest] {
        var result: [String: Interest] = [root: Interest()]
        followLinks(from: filename, into: &result)
        return result
    }

    /// `directory`: it and every subdirectory for YAML files and subdirectories, and the directories the YAML
    /// files' symlinks go through.
    private func directoryInterests() -> [String: Interest] {
        var result: [String: Interest] = [root: Interest(yaml: true)]
        let (directories, files) = walk(root)
        for directory in directories { result[directory, default: Interest()].yaml = true }
        for file in files where (try? FileManager.default.destinationOfSymbolicLink(atPath: file)) != nil {
            followLinks(from: file, into: &result)
        }
        return result
    }

    /// Adds `path`'s name to its directory's interest, then follows its symlink hops the same way. A relative
    /// target's first component is watched in the link's directory too: a Kubernetes ConfigMap volume holds
    /// `file.yaml -> ..data/file.yaml` and updates by swapping the `..data` symlink, which is the only event.
    private func followLinks(from path: String, into result: inout [String: Interest]) {
        var path = path
        for _ in 0..<Self.maxHops {
            let directory = Self.parent(of: path)
            result[directory, default: Interest()].names.insert(Self.name(of: path))
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return }
            if target.hasPrefix("/") {
                path = target
                continue
            }
            if let head = target.split(separator: "/").first(where: { $0 != "." }), head != ".." {
                result[directory, default: Interest()].names.insert(String(head))
            }
            path = (directory as NSString).appendingPathComponent(target)
        }
    }

    /// The subdirectories and YAML files below `top`, by the loader's rules (`ConfigLoader.yamlFiles`): names
    /// starting with `.` skipped, symlinks followed, name order. A directory reached twice (a symlink loop) is
    /// walked once.
    private func walk(_ top: String) -> (directories: [String], files: [String]) {
        var directories: [String] = []
        var files: [String] = []
        var seen: Set<String> = []
        func visit(_ directory: String) {
            var info = stat()
            guard stat(directory, &info) == 0, seen.insert("\(info.st_dev):\(info.st_ino)").inserted,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let full = (directory as NSString).appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    directories.append(full)
                    visit(full)
                } else if Self.isYAML(name) {
                    files.append(full)
                }
            }
        }
        visit(top)
        return (directories, files)
    }

    // MARK: - Comparing and reloading

    /// Every dynamic file with its bytes (nil: unreadable or missing).
    private func readContents() -> [FileContent] {
        let files = provider.filename.map { [$0] } ?? walk(root).files
        return files.map { FileContent(path: $0, bytes: FileManager.default.contents(atPath: $0)) }
    }

    private func compareAndReload() {
        let now = readContents()
        guard now != contents else {
            logger.debug("providers.file.watch: the files did not change; no reload")
            return
        }
        let before = Dictionary(contents.map { ($0.path, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        let after = Set(now.map(\.path))
        let changed = now.compactMap { file -> String? in
            switch before[file.path] {
            case .none: return "\(file.path) (new)"
            case .some(let old) where old == file.bytes: return nil
            default: return file.bytes == nil ? "\(file.path) (missing or unreadable)" : file.path
            }
        } + contents.map(\.path).filter { !after.contains($0) }.map { "\($0) (removed)" }
        contents = now
        let shown = changed.prefix(5).joined(separator: ", ") + (changed.count > 5 ? ", …" : "")
        logger.info("dynamic configuration changed on disk: \(shown)")
        onChange()
    }

    /// Without inotify: compares the files' fingerprints once a second, then waits the throttle like above.
    private func poll() -> Never {
        compareAndReload()
        var last = ConfigLoader.dynamicFingerprint(for: staticConfig)
        while true {
            sleep(1)
            let now = ConfigLoader.dynamicFingerprint(for: staticConfig)
            guard now != last else { continue }
            if throttle > 0 { usleep(UInt32(min(throttle / 1000, UInt64(UInt32.max)))) }
            last = ConfigLoader.dynamicFingerprint(for: staticConfig)
            compareAndReload()
        }
    }

    // MARK: - Helpers

    private static func isYAML(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return ext == "yml" || ext == "yaml"
    }

    private static func parent(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    private static func name(of path: String) -> String { (path as NSString).lastPathComponent }

    private static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
