import Synchronization

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
/// step is relative to an open directory descriptor (`openat` with `O_NOFOLLOW`, `unlinkat`, `renameat` within the
/// tree), iterative with no depth limit and at most ``maxOpenDirectories`` directories open, within ``maxEntries``
/// entries. A reaped inspector's directory that still cannot be removed is quarantined (``removeOrQuarantine()``).
public final class ScratchDirectory: Sendable {
    public let path: String
    static let prefix = "airlock-scan."
    /// The usage check gives up (the caller treats that as too much) below this many levels...
    static let maxDepth = 128
    /// ...or after this many entries; removal stops after this many entries too (linear: seconds, not minutes).
    static let maxEntries = 1_000_000
    /// What one start-up sweep may remove, over every leftover together; what remains waits for the next start.
    public static let sweepBudget = 1_000_000
    /// Where leftovers that could not be removed go, in the directory the scan directories are made in.
    static let leftovers = "airlock-leftovers"
    /// Removed or quarantined for good: deinit has nothing left to do.
    private let settled = Atomic(false)

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
        if !settled.load(ordering: .acquiring) { Self.removeTree(path) }
    }

    /// For a reaped inspector's directory (nobody writes it any more): removes it, or when that fails, quarantines it
    /// (as root: owner root:root, mode 0700, so nothing under it is reachable by its former uid any more, then moved
    /// into `<tempDir>/airlock-leftovers`), saying so once on stderr with what remained. Afterwards its uid may be
    /// given back either way. Returns whether it was removed.
    @discardableResult
    public func removeOrQuarantine() -> Bool {
        defer { settled.store(true, ordering: .releasing) }
        let cut = path.lastIndex(of: "/")!
        let base = String(path[..<cut])
        let name = Array(String(path[path.index(after: cut)...]).utf8CString)
        let baseDescriptor = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard baseDescriptor >= 0 else { return false }
        defer { close(baseDescriptor) }
        var budget = Self.maxEntries
        var removal = Removal()
        if Self.removeEntry(name, in: baseDescriptor, budget: &budget, removal: &removal) { return true }
        let outcome = Self.quarantine(name, in: baseDescriptor, tempDirectory: base.lastIndex(of: "/").map { String(base[..<$0]) } ?? ".")
        Self.log("scratch removal: '\(path)' was not removed completely (\(removal.text)); \(outcome)")
        return false
    }

    /// Makes `name` in `parent` root's and 0700 (when this process is root; descriptor-relative, links not followed),
    /// then moves it into `<tempDirectory>/airlock-leftovers` under the same name; what it did, for the log.
    static func quarantine(_ name: [CChar], in parent: Int32, tempDirectory: String) -> String {
        var steps: [String] = []
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if descriptor >= 0 {
            if geteuid() == 0 {
                let owned = fchown(descriptor, 0, 0) == 0 && fchmod(descriptor, 0o700) == 0
                steps.append(owned ? "made root's (0700)" : "not made root's: \(String(cString: strerror(errno)))")
            }
            close(descriptor)
        }
        let directory = open(tempDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return (steps + ["left in place: \(String(cString: strerror(errno)))"]).joined(separator: ", ") }
        defer { close(directory) }
        _ = mkdirat(directory, leftovers, 0o700)
        let aside = openat(directory, leftovers, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        var info = stat()
        guard aside >= 0, fstat(aside, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            if aside >= 0 { close(aside) }
            return (steps + ["left in place: \(tempDirectory)/\(leftovers) is not this user's alone"]).joined(separator: ", ")
        }
        defer { close(aside) }
        guard renameat(parent, name, aside, name) == 0 else {
            return (steps + ["left in place: \(String(cString: strerror(errno)))"]).joined(separator: ", ")
        }
        return (steps + ["moved to \(tempDirectory)/\(leftovers)/\(text(name))"]).joined(separator: ", ")
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

    /// Removes, in `base`, every scan directory (a real directory, never a link) whose process is gone, member files
    /// older than an hour from versions that extracted straight into `base`, and what earlier starts quarantined in
    /// `base/airlock-leftovers`, within ``sweepBudget`` entries altogether: a scan directory it cannot remove within
    /// that is quarantined, and what remains is said once on stderr for the next start. Returns how many entries of
    /// `base` it removed.
    @discardableResult
    public static func sweep(in base: String, budget: Int = sweepBudget) -> Int {
        let baseDescriptor = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard baseDescriptor >= 0 else { return 0 }
        defer { close(baseDescriptor) }
        var removed = 0
        var budget = budget
        var left: [String] = []
        for name in names(in: baseDescriptor) {
            let text = text(name)
            var info = stat()
            guard fstatat(baseDescriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if let pid = owner(ofName: text) {
                guard (info.st_mode & S_IFMT) == S_IFDIR, pid != getpid(), kill(pid, 0) == -1, errno == ESRCH else { continue }
                var removal = Removal()
                if budget > 0 && removeEntry(name, in: baseDescriptor, budget: &budget, removal: &removal) {
                    removed += 1
                } else {
                    let outcome = quarantine(name, in: baseDescriptor, tempDirectory: base)
                    left.append("\(text) (\(removal.outOfBudget || budget <= 0 ? "entry budget spent" : removal.text); \(outcome))")
                }
            } else if text.hasPrefix("airlock-member-") {
                guard (info.st_mode & S_IFMT) == S_IFREG, time(nil) - info.st_mtim.tv_sec > 3600 else { continue }
                if unlinkat(baseDescriptor, name, 0) == 0 { removed += 1 }
            }
        }
        // Earlier quarantines: removed as far as the budget reaches (each start gets further).
        let aside = openat(baseDescriptor, leftovers, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        var info = stat()
        if aside >= 0, fstat(aside, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 {
            var remaining = 0
            for name in names(in: aside) {
                var removal = Removal()
                if budget <= 0 || !removeEntry(name, in: aside, budget: &budget, removal: &removal) { remaining += 1 }
            }
            if remaining > 0 { left.append("\(remaining) in \(base)/\(leftovers)") }
        }
        if aside >= 0 { close(aside) }
        if !left.isEmpty { log("scratch sweep of \(base): not removed (left for the next start): \(left.joined(separator: ", "))") }
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

    /// What a removal left: entries it could not remove (and their bytes) in its last pass, the first error, and
    /// whether it stopped at its entry budget.
    struct Removal {
        var remaining = 0
        var remainingBytes: Int64 = 0
        var error: Int32 = 0
        var outOfBudget = false

        var text: String {
            outOfBudget
                ? "stopped at its entry budget"
                : "\(remaining) entries (\(remainingBytes) bytes) left: \(String(cString: strerror(error)))"
        }
    }

    /// Removes the entry `name` of the open directory `parent` (a directory with its contents, anything else unlinked)
    /// within ``maxEntries`` entries, saying so on stderr when it is not gone.
    static func removeEntry(_ name: [CChar], in parent: Int32) -> Bool {
        var budget = maxEntries
        var removal = Removal()
        let gone = removeEntry(name, in: parent, budget: &budget, removal: &removal)
        if !gone { log("scratch removal: '\(text(name))' was not removed completely (\(removal.text))") }
        return gone
    }

    /// One directory being read during a removal: its stream (which owns its descriptor) and its name in the one below.
    private struct Frame {
        let stream: OpaquePointer
        let name: [CChar]
        var descriptor: Int32 { dirfd(stream) }
    }

    /// Removes `name` in `parent` post-order, iteratively: no depth limit, at most ``maxOpenDirectories`` directories
    /// open (a deeper subtree is renamed up to the top of the tree and removed from there), every step relative to an
    /// open directory, links never followed (`unlinkat` removes a link itself; directories are opened `O_NOFOLLOW`).
    /// Each entry costs one unit of `budget`. Passes over the top directory repeat only while one made progress (moved
    /// subtrees, or entries someone added meanwhile): linear in the entries when nobody writes the tree.
    static func removeEntry(_ name: [CChar], in parent: Int32, budget: inout Int, removal: inout Removal) -> Bool {
        if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return true }
        guard errno == EISDIR || errno == EPERM else {
            removal.error = errno
            return false
        }
        // A directory (unlink refuses directories with EISDIR on Linux, EPERM elsewhere): opened without following,
        // so a link swapped in since is refused (ELOOP) instead of entered.
        let top = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0 else {
            // Swapped for a link or a file since: unlink that, never follow it.
            if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return true }
            removal.error = errno
            return false
        }
        defer { close(top) }
        var moved = 0
        while true {
            removal = Removal()
            var progress = false
            var stack: [Frame] = []
            defer { stack.forEach { closedir($0.stream) } }
            let copy = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard copy >= 0, let stream = fdopendir(copy) else {
                if copy >= 0 { close(copy) }
                removal.error = errno
                return false
            }
            stack.append(Frame(stream: stream, name: []))
            while let frame = stack.last {
                guard let entry = readdir(frame.stream) else {
                    stack.removeLast()
                    closedir(frame.stream)
                    guard let below = stack.last else { break }
                    if unlinkat(below.descriptor, frame.name, AT_REMOVEDIR) == 0 {
                        progress = true
                    } else if errno != ENOENT {
                        removal.remaining += 1
                        removal.error = errno
                    }
                    continue
                }
                let entryName = DirectoryEntry.name(entry)
                if entryName == [0x2E] || entryName == [0x2E, 0x2E] { continue }
                let child = entryName + [0]
                budget -= 1
                guard budget >= 0 else {
                    removal.outOfBudget = true
                    removal.error = EMLINK
                    return false
                }
                if unlinkat(frame.descriptor, child, 0) == 0 {
                    progress = true
                    continue
                }
                if errno == ENOENT { continue }
                guard errno == EISDIR else {
                    removal.error = errno
                    removal.remaining += 1
                    var info = stat()
                    if fstatat(frame.descriptor, child, &info, AT_SYMLINK_NOFOLLOW) == 0 { removal.remainingBytes += Int64(info.st_blocks) * 512 }
                    continue
                }
                if stack.count >= maxOpenDirectories {
                    // Too deep to open one more: the subtree goes to the top (same filesystem), under a name nothing
                    // there has (rename replaces only an empty directory, never follows a link).
                    var done = false
                    for _ in 0..<8 where !done {
                        moved += 1
                        done = renameat(frame.descriptor, child, top, ".airlock-moved.\(moved)") == 0
                    }
                    if done {
                        progress = true
                    } else {
                        removal.error = errno
                        removal.remaining += 1
                    }
                    continue
                }
                let descriptor = openat(frame.descriptor, child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard descriptor >= 0, let opened = fdopendir(descriptor) else {
                    removal.error = errno
                    if descriptor >= 0 {
                        close(descriptor)
                    } else if unlinkat(frame.descriptor, child, 0) == 0 {
                        // Swapped for a link or a file since: unlinked, never followed.
                        progress = true
                        continue
                    }
                    removal.remaining += 1
                    continue
                }
                stack.append(Frame(stream: opened, name: child))
            }
            if unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT { return true }
            guard errno == ENOTEMPTY, progress else {
                if removal.error == 0 { removal.error = errno }
                return false
            }
        }
    }

    /// A directory the removal cannot take more than this many directories deep at once.
    static let maxOpenDirectories = 32

    /// The name's text (for messages).
    static func text(_ name: [CChar]) -> String {
        String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// One line on stderr (the worker's journal).
    static func log(_ line: String) {
        _ = (line + "\n").utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress!, $0.count - 1) }
    }

    /// Bytes allocated under this directory (fd-relative, links not followed), or nil once past `limit` bytes,
    /// ``maxDepth`` levels or ``maxUsageEntries`` entries, or when it cannot be read: the caller treats that as too much.
    func usage(limit: Int64) -> Int64? {
        let root = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else { return nil }
        defer { close(root) }
        var total: Int64 = 0
        var budget = Self.maxUsageEntries
        return Self.add(root, depth: 0, total: &total, limit: limit, budget: &budget) ? total : nil
    }

    /// Entries an honest inspector may leave after a verdict (it removes what it extracted): more is treated as too
    /// much, and the walk reads them as it goes, so that a million long names cost the worker nothing to hold.
    static let maxUsageEntries = 10_000

    private static func add(_ directory: Int32, depth: Int, total: inout Int64, limit: Int64, budget: inout Int) -> Bool {
        guard depth < maxDepth else { return false }
        return forEachName(in: directory) { name in
            budget -= 1
            var info = stat()
            // Fail closed: an entry that vanished or a directory that cannot be opened is not counted as nothing.
            guard budget >= 0, fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
            total += Int64(info.st_blocks) * 512
            guard total <= limit else { return false }
            guard (info.st_mode & S_IFMT) == S_IFDIR else { return true }
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { return false }
            defer { close(child) }
            return add(child, depth: depth + 1, total: &total, limit: limit, budget: &budget)
        }
    }

    /// The names in the open directory `descriptor` (without `.` and `..`), NUL-terminated bytes as the kernel has
    /// them (a name that is not UTF-8 must still be removable), read through a second descriptor of it.
    static func names(in descriptor: Int32) -> [[CChar]] {
        var names: [[CChar]] = []
        _ = forEachName(in: descriptor) { name in
            names.append(name)
            return true
        }
        return names
    }

    /// Calls `body` with each name of the open directory `descriptor` as ``names(in:)`` reads them, as they are read
    /// (none held), until it returns false. False when it did, or when the directory cannot be read.
    static func forEachName(in descriptor: Int32, _ body: ([CChar]) -> Bool) -> Bool {
        let copy = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0 else { return false }
        guard let directory = fdopendir(copy) else {
            close(copy)
            return false
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = DirectoryEntry.name(entry)
            if name != [0x2E] && name != [0x2E, 0x2E], !body(name + [0]) { return false }
        }
        return true
    }
}
