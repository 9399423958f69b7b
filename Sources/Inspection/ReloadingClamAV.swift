import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An in-process ClamAV engine that follows its signature directory: when the files change (freshclam updated them, a
/// reviewer added a custom signature), a new engine is built and compiled beside the running one and swapped in, so
/// scans never wait and never see a half-built engine (docs/inspection.md: a reload builds a new engine and swaps it in).
public final class ReloadingClamAV: MalwareScanner, Sendable {
    private struct State {
        /// Nil when this process does not scan (``init(database:limits:temporaryDirectory:keepEngine:)``).
        var engine: ClamAVEngine?
        var databaseTime: Int?
        /// The engine's description (its library and database versions).
        var description: String
        var fingerprint: [String]
        var newestFileTime: Int
    }

    public let database: String
    public let limits: ScanLimits
    public let temporaryDirectory: String?
    /// Whether the compiled engine is kept for scanning.
    public let keepsEngine: Bool
    private let state: Mutex<State>

    /// - Parameters:
    ///   - keepEngine: Keep the compiled engine to scan with. A worker whose inspector processes load their own
    ///     (`worker.isolation: process`) passes false: each load (here and at every reload) still compiles the
    ///     database once, to check that it loads and to read its build time, then frees the engine.
    public init(database: String, limits: ScanLimits, temporaryDirectory: String? = nil, keepEngine: Bool = true) throws(InspectionError) {
        self.database = database
        self.limits = limits
        self.temporaryDirectory = temporaryDirectory
        self.keepsEngine = keepEngine
        let (fingerprint, newest) = try Self.fingerprint(of: database)
        let engine = try ClamAVEngine(database: database, limits: limits, temporaryDirectory: temporaryDirectory)
        state = Mutex(
            State(
                engine: keepEngine ? engine : nil,
                databaseTime: engine.databaseTime,
                description: engine.engineDescription,
                fingerprint: fingerprint,
                newestFileTime: newest
            )
        )
    }

    /// The engine to scan with (fails when this process keeps none).
    public func engine() throws(InspectionError) -> ClamAVEngine {
        guard let engine = state.withLock({ $0.engine }) else {
            throw InspectionError(.scanFailed, "this process keeps no ClamAV engine (its inspector processes scan)")
        }
        return engine
    }

    public func scan(descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        try engine().scan(descriptor: descriptor, name: name)
    }

    public func scan(exclusive descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        try engine().scan(exclusive: descriptor, name: name)
    }

    public func scan(descriptor: Int32, name: String, unpackArchives: Bool) throws(InspectionError) -> ClamAVResult {
        try engine().scan(descriptor: descriptor, name: name, unpackArchives: unpackArchives)
    }

    public func scan(exclusive descriptor: Int32, name: String, unpackArchives: Bool) throws(InspectionError) -> ClamAVResult {
        try engine().scan(exclusive: descriptor, name: name, unpackArchives: unpackArchives)
    }

    public var engineDescription: String { state.withLock { $0.description } }

    /// Names and sizes of the database files in use (FNV-1a, hex): the same database on every host gives the same
    /// value whatever the files' times, so processes that load it can agree that it is one database.
    public var databaseFingerprint: String {
        let items = state.withLock { $0.fingerprint }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for item in items {
            let parts = item.split(separator: "|", omittingEmptySubsequences: false)
            for byte in (parts.prefix(2).joined(separator: "|") + "\n").utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        return String(hash, radix: 16)
    }

    /// Seconds since the signature database was built (its own time when it carries one, else the newest file's
    /// modification time): what `/ready` compares with `scanner.maxSignatureAge`.
    public func databaseAge(now: Int) -> Int {
        let (time, newest) = state.withLock { ($0.databaseTime, $0.newestFileTime) }
        return max(0, now - (time ?? newest))
    }

    /// Rebuilds the engine when the directory's files changed (blocking: call it off the cooperative pool).
    /// - Returns: Whether a new engine is now in use. A directory that no longer loads keeps the old engine and throws.
    @discardableResult
    public func reloadIfChanged() throws(InspectionError) -> Bool {
        let (fingerprint, newest) = try Self.fingerprint(of: database)
        guard fingerprint != state.withLock({ $0.fingerprint }) else { return false }
        let fresh = try ClamAVEngine(database: database, limits: limits, temporaryDirectory: temporaryDirectory)
        state.withLock {
            $0 = State(
                engine: keepsEngine ? fresh : nil,
                databaseTime: fresh.databaseTime,
                description: fresh.engineDescription,
                fingerprint: fingerprint,
                newestFileTime: newest
            )
        }
        return true
    }

    /// Names, sizes and modification times of the directory's files, sorted, and the newest time.
    static func fingerprint(of directory: String) throws(InspectionError) -> ([String], Int) {
        guard let handle = opendir(directory) else {
            throw InspectionError(.engineLoad, "cannot read the signature directory '\(directory)': \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var items: [String] = []
        var newest = 0
        while let entry = readdir(handle) {
            let name = String(decoding: DirectoryEntry.name(entry).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard !name.hasPrefix(".") else { continue }
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Int(info.st_mtim.tv_sec)
            newest = max(newest, modified)
            items.append("\(name)|\(info.st_size)|\(modified)|\(info.st_mtim.tv_nsec)")
        }
        return (items.sorted(), newest)
    }
}
