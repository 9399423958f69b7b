internal import CMagic
import Synchronization

/// One libmagic cookie with its database loaded; closed when released.
///
/// `magic.h` promises nothing about threads, and one cookie shared by four threads crashed (docs/inspection.md): a cookie is
/// used by one caller at a time, handed out by ``MagicDetector``'s pool.
final class MagicCookie: @unchecked Sendable {  // handed from caller to caller through the pool, never shared
    let cookie: magic_t

    init() throws(InspectionError) {
        // MAGIC_MIME_TYPE: the media type only. Never MAGIC_COMPRESS: it runs decompressors as child processes.
        guard let cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR) else {
            throw InspectionError(.magicLoad, "magic_open failed")
        }
        // Regex magic entries scan up to 8 KiB of text per entry by default, the bulk of libmagic's time on text; 1 KiB
        // gives the same answers on the clean corpus and the benchmark texts at less than half the cost.
        var regexLimit = 1024
        _ = magic_setparam(cookie, MAGIC_PARAM_REGEX_MAX, &regexLimit)
        guard magic_load(cookie, nil) == 0 else {
            let message = magic_error(cookie).map { String(cString: $0) } ?? "unknown error"
            magic_close(cookie)
            throw InspectionError(.magicLoad, "libmagic could not load its database: \(message)")
        }
        self.cookie = cookie
    }

    deinit {
        magic_close(cookie)
    }

    /// The media type of `bytes`. The returned C string belongs to the cookie and is copied at once.
    func mediaType(of bytes: UnsafeRawBufferPointer) throws(InspectionError) -> String {
        guard let result = magic_buffer(cookie, bytes.baseAddress, bytes.count) else {
            let message = magic_error(cookie).map { String(cString: $0) } ?? "unknown error"
            throw InspectionError(.magicDetect, "libmagic failed: \(message)", rawCode: magic_errno(cookie))
        }
        return String(cString: result)
    }
}

/// Content types from bytes with libmagic: database loaded once per cookie, cookies pooled so concurrent callers never
/// share one.
public final class MagicDetector: Sendable {
    /// libmagic's answer for the first 64 KiB is the whole file's answer but for a few formats (docs/inspection.md); a larger
    /// prefix costs only time on text.
    public static let prefixBytes = 256 << 10

    private let idle: Mutex<[MagicCookie]>

    /// Creates a detector and loads one cookie, so a missing database fails here rather than on the first file.
    public init() throws(InspectionError) {
        idle = Mutex([try MagicCookie()])
    }

    /// The media type of `bytes` (pass at most ``prefixBytes`` of a file).
    public func mediaType(of bytes: UnsafeRawBufferPointer) throws(InspectionError) -> String {
        let cookie: MagicCookie
        if let pooled = idle.withLock({ $0.popLast() }) {
            cookie = pooled
        } else {
            cookie = try MagicCookie()
        }
        defer { idle.withLock { $0.append(cookie) } }
        return try cookie.mediaType(of: bytes)
    }
}
