#if canImport(Glibc)
import Glibc
#endif

/// One process's private directory for scan temp files: archive members Airlock extracts and libclamav's own.
///
/// Named `airlock-scan.<pid>.<random>` (mode 0700) so that a later start can tell a killed process's leftovers from a
/// live process's directory: ``sweep(in:)`` removes the directories of processes that no longer exist. Every member
/// file is also unlinked as soon as its inspection ends, on every path (``ZipMember/Extracted``), and the directory is
/// removed when the process lets go of it.
///
/// Removal never follows a symbolic link and never resolves a path below `tempDir`: whoever can write the directory (an
/// inspector, any other process of its user) may swap a subdirectory for a link while a root worker removes it. Every
/// step is relative to an open directory descriptor (`openat` with `O_NOFOLLOW`, `fstatat` without following,
/// `unlinkat`), within ``maxDepth`` levels and ``maxEntries`` entries.
public final class ScratchDirectory: Sendable {
    public let path: String
    static let prefix = "airlock-scan."
    /// Removal gives up (and says so on stderr) below this many levels...
    static let maxDepth = 128
    /// ...or after this many entries.
    static let maxEntries = 1_000_000
    /// ...or after this many passes over one directory that someone keeps refilling.
    static let maxRounds = 16

    /// Sweeps what killed processes left in `base`, then creates this process's directory there.
    /// - Parameters:
    ///   - mode: 0700, or 0711 for the base of inspectors' private directories (others may pass through it to a
    ///     directory whose name they know, never list it).
    public init(in base: String, mode: UInt32 = 0o700) throws(InspectionError) {
        _ = Self.sweep(in: base)
        let parent = base.hasSuffix("/") ? String(base.dropLast()) : base
        var template = Array("\(parent)/\(Self.prefix)\(getpid()).XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw InspectionError(.io, "a scan directory cannot be created in \(base): \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard mode == 0o700 || chmod(path, mode_t(mode)) == 0 else {
            let message = String(cString: strerror(errno))
            Self.removeTree(path)
            throw InspectionError(.io, "a scan directory cannot be made mode \(String(mode, radix: 8)): \(message)")
        }
    }

    /// An inspector's private directory in `base` (the worker's 0711 directory): a name of 128 random bits (nobody can
    /// list `base`, so another user finds it only by guessing), mode 0700, owned by `owner` when given (a root worker
    /// whose inspector becomes that user). Created and handed over relative to `base`'s descriptor, links not followed.
    public init(privateIn base: String, owner: (uid: UInt32, gid: UInt32)?) throws(InspectionError) {
        let baseDescriptor = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard baseDescriptor >= 0 else {
            throw InspectionError(.io, "the scratch base \(base) cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { close(baseDescriptor) }
        var generator = SystemRandomNumberGenerator()
        let name = "i." + (0..<2).map { _ in Self.hex(generator.next()) }.joined()
        guard mkdirat(baseDescriptor, name, 0o700) == 0 else {
            throw InspectionError(.io, "a scratch directory cannot be created in \(base): \(String(cString: strerror(errno)))")
        }
        let parent = base.hasSuffix("/") ? String(base.dropLast()) : base
        path = parent + "/" + name
        let descriptor = openat(baseDescriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        var handedOver = descriptor >= 0 && fchmod(descriptor, 0o700) == 0
        if handedOver, let owner { handedOver = fchown(descriptor, owner.uid, owner.gid) == 0 }
        let failure = errno
        if descriptor >= 0 { close(descriptor) }
        guard handedOver else {
            Self.removeTree(path)
            throw InspectionError(.io, "a scratch directory cannot be handed to its inspector: \(String(cString: strerror(failure)))")
        }
    }

    /// 16 lowercase hex digits.
    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Removes the directory now (its deinit would otherwise); whether it is gone.
    @discardableResult
    public func remove() -> Bool {
        Self.removeTree(path)
    }

    deinit {
        Self.removeTree(path)
    }

    /// Whether `name` is a scan directory's: `airlock-scan.<pid>.<6 characters>`; the pid when it is.
    static func owner(ofName name: String) -> pid_t? {
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].utf8.count == 6, parts[0].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let pid = pid_t(parts[0]), pid > 0
        else { return nil }
        return pid
    }

    /// Removes, in `base`, every scan directory (a real directory, never a link) whose process is gone and member
    /// files older than an hour from versions that extracted straight into `base`; returns how many entries it removed.
    @discardableResult
    public static func sweep(in base: String) -> Int {
        let baseDescriptor = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard baseDescriptor >= 0 else { return 0 }
        defer { close(baseDescriptor) }
        var removed = 0
        for name in names(in: baseDescriptor) {
            let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var info = stat()
            guard fstatat(baseDescriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if let pid = owner(ofName: text) {
                guard (info.st_mode & S_IFMT) == S_IFDIR, pid != getpid(), kill(pid, 0) == -1, errno == ESRCH else { continue }
                if removeEntry(name, in: baseDescriptor) { removed += 1 }
            } else if text.hasPrefix("airlock-member-") {
                guard (info.st_mode & S_IFMT) == S_IFREG, time(nil) - info.st_mtim.tv_sec > 3600 else { continue }
                if unlinkat(baseDescriptor, name, 0) == 0 { removed += 1 }
            }
        }
        return removed
    }

    /// Removes a directory and everything in it; `path`'s last component must be a real directory (a link there is
    /// only unlinked). Returns whether it is gone.
    @discardableResult
    static func removeTree(_ path: String) -> Bool {
        let cut = path.lastIndex(of: "/")
        let parent = cut.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = cut.map { String(path[path.index(after: $0)...]) } ?? path
        let parentDescriptor = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parentDescriptor >= 0 else { return false }
        defer { close(parentDescriptor) }
        return removeEntry(Array(name.utf8CString), in: parentDescriptor)
    }

    /// Removes the entry `name` of the open directory `parent`: a directory with its contents, anything else unlinked.
    static func removeEntry(_ name: [CChar], in parent: Int32) -> Bool {
        var budget = maxEntries
        let gone = removeEntry(name, in: parent, depth: 0, budget: &budget)
        if !gone {
            let shown = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let text = "scratch removal: '\(shown)' was not removed completely (\(String(cString: strerror(errno))))\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress!, $0.count - 1) }
        }
        return gone
    }

    private static func removeEntry(_ name: [CChar], in parent: Int32, depth: Int, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else {
            errno = EMLINK
            return false
        }
        if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return true }
        guard errno == EISDIR || errno == EPERM else { return false }
        // A directory (unlink refuses directories with EISDIR on Linux, EPERM elsewhere): opened without following,
        // so a link swapped in since is refused (ELOOP) instead of entered.
        guard depth < maxDepth else {
            errno = ELOOP
            return false
        }
        let child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else {
            // Swapped for a link or a file since: unlink that, never follow it.
            return unlinkat(parent, name, 0) == 0 || errno == ENOENT
        }
        defer { close(child) }
        // Rounds until empty: whoever can write the directory may add entries or swap them meanwhile (an entry that
        // fails is tried again next round; the rounds and the budget bound that).
        for _ in 0..<maxRounds {
            let entries = names(in: child)
            if entries.isEmpty {
                if unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT { return true }
                guard errno == ENOTEMPTY || errno == ENOTDIR else { return false }
                // Refilled since, or swapped for a link (then `child` is no longer `name`: unlink that, never follow).
                if errno == ENOTDIR { return unlinkat(parent, name, 0) == 0 || errno == ENOENT }
                continue
            }
            for entry in entries {
                _ = removeEntry(entry, in: child, depth: depth + 1, budget: &budget)
                guard budget >= 0 else { return false }
            }
        }
        return false
    }

    /// Bytes allocated under this directory (fd-relative, links not followed), or nil once past `limit` bytes,
    /// ``maxDepth`` levels or ``maxEntries`` entries, or when it cannot be read: the caller treats that as too much.
    func usage(limit: Int64) -> Int64? {
        let root = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else { return nil }
        defer { close(root) }
        var total: Int64 = 0
        var budget = Self.maxEntries
        return Self.add(root, depth: 0, total: &total, limit: limit, budget: &budget) ? total : nil
    }

    private static func add(_ directory: Int32, depth: Int, total: inout Int64, limit: Int64, budget: inout Int) -> Bool {
        guard depth < maxDepth else { return false }
        for name in names(in: directory) {
            budget -= 1
            var info = stat()
            guard budget >= 0, fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 || errno == ENOENT else { return false }
            total += Int64(info.st_blocks) * 512
            guard total <= limit else { return false }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { continue }
                defer { close(child) }
                guard add(child, depth: depth + 1, total: &total, limit: limit, budget: &budget) else { return false }
            }
        }
        return true
    }

    /// The names in the open directory `descriptor` (without `.` and `..`), NUL-terminated bytes as the kernel has
    /// them (a name that is not UTF-8 must still be removable), read through a second descriptor of it.
    static func names(in descriptor: Int32) -> [[CChar]] {
        let copy = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0 else { return [] }
        guard let directory = fdopendir(copy) else {
            close(copy)
            return []
        }
        defer { closedir(directory) }
        var names: [[CChar]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { $0.prefix { $0 != 0 }.map { CChar(bitPattern: $0) } }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name + [0]) }
        }
        return names
    }
}
