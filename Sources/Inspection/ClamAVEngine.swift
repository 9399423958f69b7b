internal import CClamAV
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Scanner limits (`scanner.limits`); `maxScanSize` never exceeds `maxFileSize` (docs/inspection.md: a zip bomb's payload past
/// MaxFileSize is missed otherwise).
public struct ScanLimits: Sendable, Hashable, Codable {
    public var maxFileSize: Int64
    public var maxScanSize: Int64
    public var maxRecursion: Int
    public var maxFiles: Int
    /// Milliseconds.
    public var maxScanTime: Int

    public init(
        maxFileSize: Int64 = 100 << 20,
        maxScanSize: Int64 = 100 << 20,
        maxRecursion: Int = 16,
        maxFiles: Int = 10_000,
        maxScanTime: Int = 120_000
    ) {
        self.maxFileSize = maxFileSize
        self.maxScanSize = min(maxScanSize, maxFileSize)
        self.maxRecursion = maxRecursion
        self.maxFiles = maxFiles
        self.maxScanTime = maxScanTime
    }
}

/// What one ClamAV scan found.
public enum ClamAVResult: Sendable, Equatable {
    case clean
    /// Signature names (heuristic ones start with `Heuristics.`).
    case detected([String])
}

/// An in-process libclamav engine: built, limited and compiled once, then shared read-only.
///
/// From `clamav.h` and docs/inspection.md: changing options of an engine that is in use is not thread-safe, while a compiled
/// engine is safe to scan with from many threads (`cl_scandesc` takes a `const struct cl_engine *`). So the engine is
/// never changed after `init`; a reload builds a new one.
public final class ClamAVEngine: @unchecked Sendable {
    private let engine: OpaquePointer
    /// Signatures loaded.
    public let signatureCount: UInt32
    /// The database version (`daily` style), when the database carries one; custom databases do not.
    public let databaseVersion: UInt32?
    /// The database build time, when it carries one.
    public let databaseTime: Int?
    public let limits: ScanLimits

    /// `cl_init` runs once per process.
    private static let initialized: cl_error_t = cl_init(CClamAV_init_default())

    /// Builds an engine from a signature directory.
    /// - Parameters:
    ///   - database: Directory of `.cvd`/`.cld`/`.hdb`/`.ndb`... files.
    ///   - limits: Scanner limits.
    ///   - temporaryDirectory: Where libclamav unpacks (each scan creates files there); private to Airlock.
    public init(database: String, limits: ScanLimits, temporaryDirectory: String? = nil) throws(InspectionError) {
        guard Self.initialized == CL_SUCCESS else {
            throw InspectionError(
                .engineLoad,
                "cl_init failed: \(String(cString: cl_strerror(Self.initialized)))",
                rawCode: Int32(Self.initialized.rawValue)
            )
        }
        guard let engine = cl_engine_new() else { throw InspectionError(.engineLoad, "cl_engine_new failed") }
        func fail(_ what: String, _ code: cl_error_t) -> InspectionError {
            cl_engine_free(engine)
            return InspectionError(.engineLoad, "\(what): \(String(cString: cl_strerror(code)))", rawCode: Int32(code.rawValue))
        }
        var signatures: UInt32 = 0
        let loaded = cl_load(database, engine, &signatures, CClamAV_db_stdopt())
        guard loaded == CL_SUCCESS else { throw fail("loading the signature database '\(database)' failed", loaded) }
        guard signatures > 0 else {
            cl_engine_free(engine)
            throw InspectionError(.engineLoad, "the signature database '\(database)' holds no signatures: every file would look clean")
        }
        let settings: [(cl_engine_field, Int64)] = [
            (CL_ENGINE_MAX_FILESIZE, limits.maxFileSize), (CL_ENGINE_MAX_SCANSIZE, limits.maxScanSize),
            (CL_ENGINE_MAX_RECURSION, Int64(limits.maxRecursion)), (CL_ENGINE_MAX_FILES, Int64(limits.maxFiles)),
            (CL_ENGINE_MAX_SCANTIME, Int64(limits.maxScanTime)),
            // libclamav remembers clean files by MD5 and skips them: a file with the MD5 of an earlier clean one (a
            // collision costs seconds) would be called clean unscanned.
            (CL_ENGINE_DISABLE_CACHE, 1),
        ]
        for (field, value) in settings {
            let result = cl_engine_set_num(engine, field, value)
            guard result == CL_SUCCESS else { throw fail("setting a scanner limit failed", result) }
        }
        if let temporaryDirectory {
            let result = cl_engine_set_str(engine, CL_ENGINE_TMPDIR, temporaryDirectory)
            guard result == CL_SUCCESS else { throw fail("setting the temporary directory failed", result) }
        }
        // A top-level file over MaxFileSize comes back as CL_VIRUS with a NULL name unless this callback is set.
        cl_engine_set_clcb_virus_found(engine, virusFound)
        let compiled = cl_engine_compile(engine)
        guard compiled == CL_SUCCESS else { throw fail("compiling the engine failed", compiled) }
        var error: Int32 = 0
        let version = cl_engine_get_num(engine, CL_ENGINE_DB_VERSION, &error)
        databaseVersion = error == 0 && version > 0 ? UInt32(version) : nil
        let time = cl_engine_get_num(engine, CL_ENGINE_DB_TIME, &error)
        databaseTime = error == 0 && time > 0 ? Int(time) : nil
        self.engine = engine
        self.signatureCount = signatures
        self.limits = limits
    }

    deinit {
        cl_engine_free(engine)
    }

    /// libclamav's version string.
    public static var version: String { String(cString: cl_retver()) }

    /// Scans an open file (blocking: call it off the cooperative pool). Heuristics for exceeded limits, encryption,
    /// macros and broken files are on, so what ClamAV cannot see comes back as a `Heuristics.*` detection.
    public func scan(descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        try scan(descriptor: descriptor, name: name, unpackArchives: true)
    }

    /// - Parameter unpackArchives: `false` turns libclamav's archive parsers off for this scan (Airlock took the file
    ///   apart itself and scans each member).
    public func scan(descriptor: Int32, name: String, unpackArchives: Bool) throws(InspectionError) -> ClamAVResult {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw InspectionError(.io, "cannot rewind the file: \(String(cString: strerror(errno)))")
        }
        return try scan(name: name, unpackArchives: unpackArchives) { virusName, scanned, options, context in
            cl_scandesc_callback(descriptor, name, virusName, scanned, engine, options, context)
        }
    }

    /// Files up to this size that no one else writes are scanned from a read-only map of the file: libclamav reads a
    /// descriptor by copying each page into anonymous memory it maps for the scan (write faults, each a TLB flush
    /// across the process's threads), which takes up to twice as long. Larger files keep the descriptor path, whose
    /// page aging bounds the memory a scan holds.
    public static let mappedScanLimit: Int64 = 64 << 20

    /// Scans a file no other process writes meanwhile (the worker's private copy): mapped when it is at most
    /// ``mappedScanLimit`` bytes, else as ``scan(descriptor:name:)``.
    public func scan(exclusive descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        try scan(exclusive: descriptor, name: name, unpackArchives: true)
    }

    public func scan(exclusive descriptor: Int32, name: String, unpackArchives: Bool) throws(InspectionError) -> ClamAVResult {
        // The size from the end offset (a descriptor that cannot seek, or cannot be mapped, takes the descriptor path).
        let size = Int64(lseek(descriptor, 0, SEEK_END))
        guard size > 0, size <= Self.mappedScanLimit else { return try scan(descriptor: descriptor, name: name, unpackArchives: unpackArchives) }
        guard let base = mmap(nil, Int(size), PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            return try scan(descriptor: descriptor, name: name, unpackArchives: unpackArchives)
        }
        defer { munmap(base, Int(size)) }
        guard let map = cl_fmap_open_memory(base, Int(size)) else {
            return try scan(descriptor: descriptor, name: name, unpackArchives: unpackArchives)
        }
        defer { cl_fmap_close(map) }
        return try scan(name: name, unpackArchives: unpackArchives) { virusName, scanned, options, context in
            cl_scanmap_callback(map, name, virusName, scanned, engine, options, context)
        }
    }

    private func scan(
        name: String,
        unpackArchives: Bool,
        _ run: (
            UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafeMutablePointer<UInt>, UnsafeMutablePointer<cl_scan_options>, UnsafeMutableRawPointer
        ) -> cl_error_t
    ) throws(InspectionError) -> ClamAVResult {
        var options = cl_scan_options()
        options.general = UInt32(CL_SCAN_GENERAL_HEURISTICS | CL_SCAN_GENERAL_ALLMATCHES)
        options.parse = unpackArchives ? ~UInt32(0) : ~UInt32(CL_SCAN_PARSE_ARCHIVE)
        options.heuristic = UInt32(
            CL_SCAN_HEURISTIC_EXCEEDS_MAX | CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE | CL_SCAN_HEURISTIC_ENCRYPTED_DOC | CL_SCAN_HEURISTIC_MACROS
                | CL_SCAN_HEURISTIC_BROKEN
        )
        let collector = Detections()
        var virusName: UnsafePointer<CChar>?
        var scanned: UInt = 0
        let result = withExtendedLifetime(collector) {
            run(&virusName, &scanned, &options, Unmanaged.passUnretained(collector).toOpaque())
        }
        switch result {
        case CL_CLEAN:
            return .clean
        case CL_VIRUS:
            var names = collector.names
            if let virusName, !names.contains(String(cString: virusName)) { names.append(String(cString: virusName)) }
            return .detected(names.isEmpty ? ["Heuristics.Unnamed"] : names)
        default:
            throw InspectionError(.scanFailed, "libclamav: \(String(cString: cl_strerror(result)))", rawCode: Int32(result.rawValue))
        }
    }
}

/// Signature names reported to the virus-found callback during one scan.
private final class Detections {
    var names: [String] = []
}

private let virusFound: clcb_virus_found = { _, name, context in
    guard let context, let name else { return }
    let detections = Unmanaged<Detections>.fromOpaque(context).takeUnretainedValue()
    let text = String(cString: name)
    if !detections.names.contains(text) { detections.names.append(text) }
}
