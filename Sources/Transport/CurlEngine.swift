internal import CCurl
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One curl multi handle driven by its own thread: transfers are submitted from any task, run concurrently on shared
/// connections, and complete by resuming their continuations. The cooperative thread pool never blocks on curl.
///
/// From curl's documentation: a multi handle and its easy handles must be used from one thread at a time, except
/// `curl_multi_wakeup`, which may be called from any thread. So every curl call below happens on the engine thread,
/// and other threads only append to the locked queues and wake it.
final class CurlEngine: @unchecked Sendable {
    private struct Queues {
        var pending: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var running = true
    }

    private let multi: UnsafeMutableRawPointer
    private let queues = Mutex(Queues())
    private let configuration: HTTPClient.Configuration
    private let logger: Logger
    private var thread: pthread_t?

    // Engine thread only.
    private var active: [ObjectIdentifier: (transfer: CurlTransfer, handle: UnsafeMutableRawPointer)] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []

    /// `curl_global_init` must run once before any other curl call.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    init(configuration: HTTPClient.Configuration, logger: Logger) throws(TransportError) {
        guard Self.globalInit == CURLE_OK else {
            throw TransportError(.other, "curl_global_init failed with \(Self.globalInit.rawValue)")
        }
        guard let multi = curl_multi_init() else { throw TransportError(.other, "curl_multi_init failed") }
        self.multi = multi
        self.configuration = configuration
        self.logger = logger
        _ = CCurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maximumConnectionsPerHost)
        _ = CCurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maximumConnectionsPerHost * 2)
        try startThread()
    }

    deinit {
        precondition(thread == nil, "HTTPClient was released without shutdown()")
        for handle in idleHandles { curl_easy_cleanup(handle) }
        curl_multi_cleanup(multi)
    }

    private func startThread() throws(TransportError) {
        var handle = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(
            &handle,
            nil,
            { context in
                let engine = Unmanaged<CurlEngine>.fromOpaque(context!).takeRetainedValue()
                engine.loop()
                return nil
            },
            context
        )
        guard result == 0 else {
            Unmanaged<CurlEngine>.fromOpaque(context).release()
            throw TransportError(.other, "could not start the transport thread (\(result))")
        }
        thread = handle
    }

    // MARK: - Any thread

    func submit(_ transfer: CurlTransfer) {
        let accepted = queues.withLock { queues -> Bool in
            guard queues.running else { return false }
            queues.pending.append(transfer)
            return true
        }
        guard accepted else {
            transfer.complete(.failure(TransportError(.shutdown, "the HTTP client has been shut down")))
            return
        }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelled.store(true, ordering: .relaxed)
        queues.withLock { $0.cancelled.append(transfer) }
        curl_multi_wakeup(multi)
    }

    /// Stops the thread after failing every transfer still queued or running.
    func shutdown() {
        let wasRunning = queues.withLock { queues -> Bool in
            let was = queues.running
            queues.running = false
            return was
        }
        guard wasRunning, let thread else { return }
        curl_multi_wakeup(multi)
        pthread_join(thread, nil)
        self.thread = nil
    }

    // MARK: - Engine thread

    private func loop() {
        var stillRunning: Int32 = 0
        while true {
            let (pending, cancelled, running) = queues.withLock { queues in
                defer {
                    queues.pending.removeAll(keepingCapacity: true)
                    queues.cancelled.removeAll(keepingCapacity: true)
                }
                return (queues.pending, queues.cancelled, queues.running)
            }
            for transfer in pending { start(transfer) }
            for transfer in cancelled {
                finish(transfer, with: .failure(TransportError(.cancelled, "the request was cancelled")))
            }
            if !running {
                for (_, entry) in active {
                    finish(entry.transfer, with: .failure(TransportError(.shutdown, "the HTTP client was shut down")))
                }
                // Anything queued after the last drain.
                let late = queues.withLock { queues -> [CurlTransfer] in
                    defer { queues.pending.removeAll() }
                    return queues.pending
                }
                for transfer in late { transfer.complete(.failure(TransportError(.shutdown, "the HTTP client was shut down"))) }
                return
            }
            curl_multi_perform(multi, &stillRunning)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                var privateData: UnsafeMutableRawPointer?
                _ = CCurl_easy_getinfo_pointer(handle, CURLINFO_PRIVATE, &privateData)
                guard let privateData else { continue }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(privateData).takeUnretainedValue()
                let code = CCurl_message_result(message)
                finish(transfer, with: result(of: transfer, handle: handle, code: code))
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func start(_ transfer: CurlTransfer) {
        if transfer.cancelled.load(ordering: .relaxed) {
            transfer.complete(.failure(TransportError(.cancelled, "the request was cancelled")))
            return
        }
        let handle: UnsafeMutableRawPointer
        if let idle = idleHandles.popLast() {
            curl_easy_reset(idle)
            handle = idle
        } else if let fresh = curl_easy_init() {
            handle = fresh
        } else {
            transfer.complete(.failure(TransportError(.other, "curl_easy_init failed")))
            return
        }
        do {
            try configure(handle, for: transfer)
        } catch {
            idleHandles.append(handle)
            transfer.complete(.failure(error))
            return
        }
        let added = curl_multi_add_handle(multi, handle)
        guard added == CURLM_OK else {
            idleHandles.append(handle)
            transfer.complete(.failure(TransportError(.other, "curl_multi_add_handle failed (\(added.rawValue))")))
            return
        }
        active[ObjectIdentifier(transfer)] = (transfer, handle)
        logger.trace("transport request started", metadata: ["airlock.http.method": "\(transfer.request.method)"])
    }

    private func finish(_ transfer: CurlTransfer, with result: Result<HTTPResponse, any Error>) {
        if let entry = active.removeValue(forKey: ObjectIdentifier(transfer)) {
            curl_multi_remove_handle(multi, entry.handle)
            idleHandles.append(entry.handle)
        }
        transfer.complete(result)
    }

    private func result(of transfer: CurlTransfer, handle: UnsafeMutableRawPointer, code: CURLcode) -> Result<HTTPResponse, any Error> {
        if code == CURLE_OK {
            guard transfer.flushToFile() else { return .failure(transfer.callbackError!) }
            var status = 0
            _ = CCurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            transfer.status = status
            return .success(transfer.response)
        }
        if let error = transfer.callbackError { return .failure(error) }
        if transfer.cancelled.load(ordering: .relaxed) { return .failure(TransportError(.cancelled, "the request was cancelled")) }
        return .failure(Self.error(for: code, detail: transfer.curlErrorDetail))
    }

    static func error(for code: CURLcode, detail: String) -> TransportError {
        let kind: TransportError.Code
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .dns
        case CURLE_COULDNT_CONNECT: kind = .connect
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE:
            kind = .tls
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            kind = .network
        case CURLE_WRITE_ERROR, CURLE_READ_ERROR: kind = .io
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT: kind = .invalidRequest
        default: kind = .other
        }
        let summary = String(cString: curl_easy_strerror(code))
        let message = detail.isEmpty || detail == summary ? summary : "\(summary): \(detail)"
        return TransportError(kind, message, curlCode: Int(code.rawValue))
    }

    // MARK: - Easy handle setup

    private func configure(_ handle: UnsafeMutableRawPointer, for transfer: CurlTransfer) throws(TransportError) {
        let request = transfer.request
        var failed: CURLcode = CURLE_OK
        func check(_ code: CURLcode) {
            if code != CURLE_OK && failed == CURLE_OK { failed = code }
        }
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        check(CCurl_easy_setopt_pointer(handle, CURLOPT_PRIVATE, context))
        check(CCurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, transfer.errorBuffer))
        check(CCurl_easy_setopt_string(handle, CURLOPT_URL, request.url))
        check(CCurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        check(CCurl_easy_setopt_long(handle, CURLOPT_PATH_AS_IS, 1))  // S3 keys may hold `.` and `..` segments
        check(CCurl_easy_setopt_long(handle, CURLOPT_TCP_NODELAY, 1))
        // Larger buffers: fewer callbacks and syscalls per megabyte for object bodies.
        check(CCurl_easy_setopt_long(handle, CURLOPT_BUFFERSIZE, 512 * 1024))
        check(CCurl_easy_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 512 * 1024))
        check(CCurl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        check(CCurl_easy_setopt_long(handle, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS)))
        check(CCurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.milliseconds))
        check(CCurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, configuration.lowSpeedLimit))
        check(CCurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, configuration.lowSpeedTime.milliseconds / 1000)))
        if let timeout = request.timeout {
            check(CCurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, timeout.milliseconds)))
        }
        if let caFile = configuration.caFile {
            check(CCurl_easy_setopt_string(handle, CURLOPT_CAINFO, caFile))
        }
        check(CCurl_easy_setopt_string(handle, CURLOPT_USERAGENT, configuration.userAgent))

        check(CCurl_easy_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, headerCallback))
        check(CCurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context))
        check(CCurl_easy_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, writeCallback))
        check(CCurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context))

        let length = request.body.length
        switch request.method {
        case "GET":
            check(CCurl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1))
        case "HEAD":
            check(CCurl_easy_setopt_long(handle, CURLOPT_NOBODY, 1))
        case "PUT":
            check(CCurl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1))
            check(CCurl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(length)))
        case "POST":
            check(CCurl_easy_setopt_long(handle, CURLOPT_POST, 1))
            check(CCurl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(length)))
        default:
            check(CCurl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
            if length > 0 {
                check(CCurl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1))
                check(CCurl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(length)))
            }
        }
        if request.method == "PUT" || request.method == "POST" || length > 0 {
            check(CCurl_easy_setopt_read_function(handle, readCallback))
            check(CCurl_easy_setopt_pointer(handle, CURLOPT_READDATA, context))
            check(CCurl_easy_setopt_seek_function(handle, seekCallback))
            check(CCurl_easy_setopt_pointer(handle, CURLOPT_SEEKDATA, context))
        }

        // Headers; curl's own Expect (a one-second wait for 100-continue) and form Content-Type are removed unless
        // the caller sets them.
        var list: UnsafeMutablePointer<curl_slist>?
        var names = Set<String>()
        for header in request.headers {
            guard !header.name.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 < 0x20 }),
                !header.value.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 })
            else {
                throw TransportError(.invalidRequest, "header '\(header.name)' contains a line break or colon")
            }
            names.insert(header.name.lowercased())
            list = curl_slist_append(list, header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        if !names.contains("expect") { list = curl_slist_append(list, "Expect:") }
        if !names.contains("content-type") && (request.method == "POST" || request.method == "PUT") {
            list = curl_slist_append(list, "Content-Type:")
        }
        transfer.headerList = list
        check(CCurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list))
        if failed != CURLE_OK {
            throw TransportError(
                .invalidRequest,
                "could not set up the request: \(String(cString: curl_easy_strerror(failed)))",
                curlCode: Int(failed.rawValue)
            )
        }
    }
}

// MARK: - C callbacks

private func transfer(_ context: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
}

private let headerCallback: curl_write_callback = { buffer, size, count, context in
    transfer(context).receiveHeader(UnsafeBufferPointer(start: UnsafeRawPointer(buffer!).assumingMemoryBound(to: UInt8.self), count: size * count))
}

private let writeCallback: curl_write_callback = { buffer, size, count, context in
    transfer(context).receiveBody(UnsafeBufferPointer(start: UnsafeRawPointer(buffer!).assumingMemoryBound(to: UInt8.self), count: size * count))
}

private let readCallback: curl_read_callback = { buffer, size, count, context in
    transfer(context).sendBody(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}

private let seekCallback: curl_seek_callback = { context, offset, origin in
    guard origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    return transfer(context).seekBody(to: Int64(offset)) ? Int32(CURL_SEEKFUNC_OK) : Int32(CURL_SEEKFUNC_FAIL)
}

extension Duration {
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
