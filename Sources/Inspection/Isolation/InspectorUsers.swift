import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The users a root worker's inspectors run as: one uid (and the gid of the same number) per live inspector, from
/// `worker.inspector.uidBase` .. `uidBase + uidCount - 1` (docs/isolation.md, "Users").
///
/// A uid is held from before the inspector starts until it is reaped and its scratch directory removed; only then can
/// another inspector get it. Claims go round the range, so a uid freed now is the last to be handed out again. Other
/// workers on the same machine are kept out by a lock file per uid in ``lockDirectory`` (`flock`, held as long as the
/// uid is; the kernel drops it when a worker dies, and its inspectors die with it). The directory must outlive every
/// worker using it (docs/isolation.md, "Deployment notes"): a lock is taken only on a file its name still names, but
/// a holder's lock on a file unlinked later (the directory removed) no longer keeps a newcomer out.
///
/// ```swift
/// let users = InspectorUsers(base: 2_100_000_000, count: 4096)
/// let lease = try users.claim()   // lease.uid, lease.gid
/// // ... the inspector runs as lease.uid, is reaped, its directory removed ...
/// lease.release()
/// ```
public final class InspectorUsers: Sendable {
    /// The first uid (and gid) of the range.
    public let base: UInt32
    /// How many uids the range holds.
    public let count: Int
    /// Where the per-uid lock files are (nil: this process only).
    public let lockDirectory: String?

    /// One uid held for one inspector: given back with ``release()`` once the inspector is reaped and its directory gone.
    public final class Lease: Sendable {
        public let uid: UInt32
        public var gid: UInt32 { uid }
        private let slot: Int
        private let owner: InspectorUsers
        private let lock: Int32
        private let released = Atomic(false)

        fileprivate init(uid: UInt32, slot: Int, owner: InspectorUsers, lock: Int32) {
            self.uid = uid
            self.slot = slot
            self.owner = owner
            self.lock = lock
        }

        /// Gives the uid back (call once, after the inspector is reaped and its scratch directory removed).
        public func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            owner.give(slot, lock: lock)
        }
    }

    private struct State {
        var held: Set<Int> = []
        var next = 0
    }
    private let state = Mutex(State())

    /// The default lock directory: on `/run`, shared by every worker of the machine.
    public static let defaultLockDirectory = "/run/airlock-inspector-uids"

    /// - Parameters:
    ///   - base: The first uid (and gid).
    ///   - count: Uids in the range (at least one).
    ///   - lockDirectory: A directory only root may write, for the per-uid lock files; nil: claims are this process's.
    public init(base: UInt32, count: Int, lockDirectory: String? = InspectorUsers.defaultLockDirectory) {
        self.base = base
        self.count = max(1, count)
        self.lockDirectory = lockDirectory
    }

    /// Uids held now (tests).
    public var held: Int { state.withLock { $0.held.count } }

    /// Why the range cannot be used in this process's user namespace (a uid or gid of it is not mapped: a container
    /// runtime with user namespaces maps a smaller block), or nil. Checked before the first inspector starts, so the
    /// worker refuses to start with this message instead of failing every upload.
    public func mappingProblem() -> String? {
        let uidMap = (try? Self.read("/proc/self/uid_map")) ?? "0 0 4294967295"
        let gidMap = (try? Self.read("/proc/self/gid_map")) ?? "0 0 4294967295"
        for (kind, map) in [("uid", uidMap), ("gid", gidMap)] where !Self.covers(map, base: UInt64(base), count: UInt64(count)) {
            let last = UInt64(base) + UInt64(count) - 1
            return "inspector \(kind)s \(base)..\(last) (worker.inspector.uidBase, uidCount) are not all mapped in this user namespace "
                + "(/proc/self/\(kind)_map: \(map.split(whereSeparator: \.isNewline).joined(separator: "; ")))"
                + ": set worker.inspector.uidBase inside the mapped range, or uidCount: 0 for one shared inspector user"
        }
        return nil
    }

    /// Why the range cannot be used because an account or group of this machine already has one of its ids (an
    /// inspector would then own that account's files, or be able to signal its processes), or nil. Reads the local
    /// account databases once, at start (`getpwent`/`getgrent`: files, and directory services that enumerate).
    public func accountProblem() -> String? {
        let range = UInt64(base)..<(UInt64(base) + UInt64(count))
        var problem: String?
        setpwent()
        while problem == nil, let entry = getpwent() {
            if range.contains(UInt64(entry.pointee.pw_uid)) || range.contains(UInt64(entry.pointee.pw_gid)) {
                problem = "account '\(String(cString: entry.pointee.pw_name))' (uid \(entry.pointee.pw_uid))"
            }
        }
        endpwent()
        setgrent()
        while problem == nil, let entry = getgrent() {
            if range.contains(UInt64(entry.pointee.gr_gid)) {
                problem = "group '\(String(cString: entry.pointee.gr_name))' (gid \(entry.pointee.gr_gid))"
            }
        }
        endgrent()
        guard let problem else { return nil }
        return "the inspector uid range \(base)..\(range.upperBound - 1) (worker.inspector.uidBase, uidCount) holds the id of \(problem)"
            + ": choose a range no account or group uses"
    }

    /// Whether the extents of a `/proc/self/uid_map`-style text (`inside outside count` per line) cover
    /// `base ..< base + count`.
    static func covers(_ map: String, base: UInt64, count: UInt64) -> Bool {
        let extents = map.split(whereSeparator: \.isNewline).compactMap { line -> (UInt64, UInt64)? in
            let fields = line.split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) }
            guard fields.count == 3 else { return nil }
            return (fields[0], fields[0] + fields[2])
        }.sorted { $0.0 < $1.0 }
        var next = base
        let end = base + count
        for (start, stop) in extents where stop > next {
            guard start <= next else { return false }
            next = stop
            if next >= end { return true }
        }
        return next >= end
    }

    private static func read(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw InspectionError(.io, "\(path) cannot be opened") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw InspectionError(.io, "\(path) cannot be read") }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// A uid no live inspector of this or any other worker holds; throws when every uid of the range is held.
    public func claim() throws(InspectionError) -> Lease {
        // Slots free here, in the order they are to be tried (round the range from the cursor).
        let candidates = state.withLock { state -> [Int] in
            (0..<count).map { (state.next + $0) % count }.filter { !state.held.contains($0) }
        }
        let directory = try lockDirectory.map { path throws(InspectionError) -> Int32 in try Self.openLockDirectory(path) }
        defer { if let directory { close(directory) } }
        candidates: for slot in candidates {
            let uid = base + UInt32(slot)
            var lock: Int32 = -1
            if let directory {
                // A lock on a file whose name was unlinked meanwhile (the directory removed and made again) keeps
                // nobody out: locked only once the name still names the locked file; else once more, then the next.
                for attempt in 1...2 {
                    lock = openat(directory, "\(uid)", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
                    guard lock >= 0 else { continue candidates }
                    // Held by another worker's inspector: the next one.
                    guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
                        close(lock)
                        continue candidates
                    }
                    if Self.stillNamed(lock, "\(uid)", in: directory) { break }
                    close(lock)
                    lock = -1
                    if attempt == 2 { continue candidates }
                }
            }
            let taken = state.withLock { state -> Bool in
                guard state.held.insert(slot).inserted else { return false }
                state.next = (slot + 1) % count
                return true
            }
            if taken { return Lease(uid: uid, slot: slot, owner: self, lock: lock) }
            if lock >= 0 { close(lock) }
        }
        throw InspectionError(
            .engineLoad,
            "every inspector uid of \(base)..\(UInt64(base) + UInt64(count) - 1) is held (worker.inspector.uidCount too small)"
        )
    }

    /// Whether `name` in `directory` still names the file open as `descriptor`: same device and inode, not unlinked.
    static func stillNamed(_ descriptor: Int32, _ name: String, in directory: Int32) -> Bool {
        var held = stat()
        var named = stat()
        guard fstat(descriptor, &held) == 0, held.st_nlink > 0, fstatat(directory, name, &named, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        return held.st_dev == named.st_dev && held.st_ino == named.st_ino
    }

    fileprivate func give(_ slot: Int, lock: Int32) {
        state.withLock { _ = $0.held.remove(slot) }
        // Closing the descriptor drops the flock: another worker may take the uid from now on.
        if lock >= 0 { close(lock) }
    }

    /// The lock directory, made (0700) when missing; refused unless it is a real directory of this user that nobody
    /// else may write (another user could otherwise hold or fake the locks).
    static func openLockDirectory(_ path: String) throws(InspectionError) -> Int32 {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw InspectionError(.io, "the inspector uid lock directory \(path) cannot be made: \(String(cString: strerror(errno)))")
        }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InspectionError(.io, "the inspector uid lock directory \(path) cannot be opened: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else {
            close(descriptor)
            throw InspectionError(.io, "the inspector uid lock directory \(path) is not this user's alone")
        }
        return descriptor
    }
}
