import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An in-process ClamAV engine that follows its signature directory: when the files change (freshclam updated them, a
/// reviewer added a custom signature), a new engine is built and compiled beside the running one and swapped in, so
/// scans never wait and never see a half-built engine (docs/inspection.md: a reload builds a new engine and swaps it in).
public final class ReloadingClamAV: MalwareScanner, Sendable {
    private struct State {
        var engine: ClamAVEngine
        var fingerprint: [String]
        var newestFileTime: Int
    }

    public let database: String
    public let limits: ScanLimits
    public let temporaryDirectory: String?
    private let state: Mutex<State>

    public init(database: String, limits: ScanLimits, temporaryDirectory: String? = nil) throws(InspectionError) {
        self.database = database
        self.limits = limits
        self.temporaryDirectory = temporaryDirectory
        let (fingerprint, newest) = try Self.fingerprint(of: database)
        let engine = try ClamAVEngine(database: database, limits: limits, temporaryDirectory: temporaryDirectory)
        state = Mutex(State(engine: engine, fingerprint: fingerprint, newestFileTime: newest))
    }

    public var engine: ClamAVEngine { state.withLock { $0.engine } }

    public func scan(descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        try engine.scan(descriptor: descriptor, name: name)
    }

    public func scan(exclusive descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        try engine.scan(exclusive: descriptor, name: name)
    }

    public func scan(descriptor: Int32, name: String, unpackArchives: Bool) throws(InspectionError) -> ClamAVResult {
        try engine.scan(descriptor: descriptor, name: name, unpackArchives: unpackArchives)
    }

    public func scan(exclusive descriptor: Int32, name: String, unpackArchives: Bool) throws(InspectionError) -> ClamAVResult {
        try engine.scan(exclusive: descriptor, name: name, unpackArchives: unpackArchives)
    }

    public var engineDescription: String { engine.engineDescription }

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
        let (engine, newest) = state.withLock { ($0.engine, $0.newestFileTime) }
        return max(0, now - (engine.databaseTime ?? newest))
    }

    /// Rebuilds the engine when the directory's files changed (blocking: call it off the cooperative pool).
    /// - Returns: Whether a new engine is now in use. A directory that no longer loads keeps the old engine and throws.
    @discardableResult
    public func reloadIfChanged() throws(InspectionError) -> Bool {
        let (fingerprint, newest) = try Self.fingerprint(of: database)
        guard fingerprint != state.withLock({ $0.fingerprint }) else { return false }
        let fresh = try ClamAVEngine(database: database, limits: limits, temporaryDirectory: temporaryDirectory)
        state.withLock { $0 = State(engine: fresh, fingerprint: fingerprint, newestFileTime: newest) }
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
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
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
