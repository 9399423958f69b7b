internal import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One request in flight: its easy-handle settings, the bytes it sends and receives, and the continuation waiting for
/// it.
///
/// After ``CurlEngine/submit(_:)`` only the engine's thread touches the mutable fields (curl calls the callbacks there);
/// the continuation is resumed exactly once, by ``complete(_:)``. That is why the class is `@unchecked Sendable`.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    /// Set from any thread when the waiting task is cancelled.
    let cancelled = Atomic<Bool>(false)

    // Response accumulation (engine thread only).
    var status = 0
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var received: Int64 = 0
    /// Why a callback aborted the transfer.
    var callbackError: TransportError?

    /// File-bound body bytes not yet written: files get writes of ``fileChunk`` bytes, not one per network read.
    private var pending: [UInt8] = []
    /// Body bytes already in the file (where the next write goes, from the response offset).
    private var fileBytesWritten: Int64 = 0
    static let fileChunk = 1 << 20
    /// Reads at least this large are written as they are.
    static let directWrite = 128 << 10

    // Request body position (engine thread only).
    private var sent: Int64 = 0

    // Values curl keeps pointers to while the transfer runs.
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(request: HTTPRequest, continuation: CheckedContinuation<HTTPResponse, any Error>) {
        self.request = request
        self.continuation = continuation
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Resumes the waiting task, once.
    func complete(_ result: Result<HTTPResponse, any Error>) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(with: result)
    }

    var response: HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: body, bodyLength: received)
    }

    /// Whether body bytes go to the caller's file: only for 2xx answers, so an error document never lands in an
    /// object's file.
    private var bodyGoesToFile: Bool {
        if case .file = request.response, (200..<300).contains(status) { return true }
        return false
    }

    // MARK: - Callbacks (engine thread)

    /// A header line: `HTTP/1.1 200 OK` starts a new response (after `100 Continue` or a redirect), others are
    /// `name: value`.
    func receiveHeader(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        let line = Substring(String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self))
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count >= 2 ? Int(parts[1]) ?? 0 : 0
            headers.removeAll(keepingCapacity: true)
            return bytes.count
        }
        guard let colon = line.firstIndex(of: ":") else { return bytes.count }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        headers.append((name, String(value)))
        return bytes.count
    }

    /// Body bytes: to the file (2xx with a file target) or to memory within the limit. Returning fewer bytes than
    /// given makes curl abort the transfer.
    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if bodyGoesToFile {
            received += Int64(bytes.count)
            if pending.isEmpty && bytes.count >= Self.directWrite {
                // A large read goes straight from curl's buffer to the file (no copy through `pending`).
                return writeToFile(UnsafeRawBufferPointer(bytes)) ? bytes.count : 0
            }
            if pending.isEmpty { pending.reserveCapacity(Self.fileChunk) }
            pending.append(contentsOf: bytes)
            if pending.count >= Self.fileChunk, !flushToFile() { return 0 }
            return bytes.count
        }
        let limit: Int
        switch request.response {
        case .memory(let memoryLimit): limit = memoryLimit
        case .file: limit = 1 << 20  // error documents
        }
        guard body.count + bytes.count <= limit else {
            callbackError = TransportError(.responseTooLarge, "the response body exceeds \(limit) bytes")
            return 0
        }
        body.append(contentsOf: bytes)
        received += Int64(bytes.count)
        return bytes.count
    }

    /// Writes the staged bytes to the file; `false` (with ``callbackError`` set) when the write fails.
    func flushToFile() -> Bool {
        guard !pending.isEmpty else { return true }
        let ok = pending.withUnsafeBytes { writeToFile($0) }
        pending.removeAll(keepingCapacity: true)
        return ok
    }

    /// Writes `buffer` at the file's next position; `false` (with ``callbackError`` set) when the write fails.
    private func writeToFile(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard case .file(let descriptor, let offset) = request.response else { return true }
        var written = 0
        while written < buffer.count {
            let result = pwrite(descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(offset + fileBytesWritten + Int64(written)))
            if result < 0 {
                if errno == EINTR { continue }
                let failure = SystemCallError(call: "pwrite", number: errno)
                callbackError = TransportError(.io, "writing the response body to the file failed: \(failure.reason)", cause: failure)
                return false
            }
            written += result
        }
        request.observer?(buffer, fileBytesWritten)
        fileBytesWritten += Int64(buffer.count)
        return true
    }

    /// Request body bytes for curl to send.
    func sendBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch request.body {
        case .none:
            return 0
        case .bytes(let bytes):
            let count = min(buffer.count, bytes.count - Int(sent))
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + Int(sent), byteCount: count)
            }
            sent += Int64(count)
            return count
        case .file(let descriptor, let offset, let length):
            let wanted = Int(min(Int64(buffer.count), length - sent))
            guard wanted > 0 else { return 0 }
            while true {
                let result = pread(descriptor, buffer.baseAddress!, wanted, off_t(offset + sent))
                if result < 0 && errno == EINTR { continue }
                if result <= 0 {
                    let failure = result == 0 ? nil : SystemCallError(call: "pread", number: errno)
                    let reason = failure?.reason ?? "the file ended early"
                    callbackError = TransportError(.io, "reading the request body from the file failed: \(reason)", cause: failure)
                    return Int(CURL_READFUNC_ABORT)
                }
                sent += Int64(result)
                return result
            }
        }
    }

    /// curl rewinds the body when it must send it again (a reused connection that turned out dead).
    func seekBody(to position: Int64) -> Bool {
        guard position >= 0, position <= request.body.length else { return false }
        sent = position
        return true
    }

    /// curl's own description of the last failure (CURLOPT_ERRORBUFFER).
    var curlErrorDetail: String {
        String(cString: errorBuffer)
    }
}
