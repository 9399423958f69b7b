import AirlockCore
internal import CSandbox
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// What the worker and an inspector process say to each other, one JSON message per frame (docs/isolation.md, "Wire
/// format"): the hot pair, ``inspect(_:)`` and ``verdict(_:)``, in hand-written compact JSON (``InspectorWire``), the
/// rest through Codable.
///
/// Only encoded: each end decodes just the messages the other end may send it (``InspectorReport`` on the worker's
/// end, ``InspectorChannel/message(_:)`` on the inspector's), so a message in the wrong direction or frame is malformed.
enum InspectorMessage: Encodable, Sendable {
    /// Worker -> inspector, first: what to load and how to lock down.
    case setup(InspectorSetup)
    /// Inspector -> worker, once locked down (or why it could not be).
    case ready(InspectorReady)
    /// Worker -> inspector: the profile that later orders name by `id` (sent once per inspector and profile).
    case profile(id: Int, UploadProfile)
    /// Worker -> inspector: inspect the descriptor that comes with the message.
    case inspect(InspectionOrder)
    /// Inspector -> worker (clamd): scan the descriptor that comes with the message (the inspector cannot connect).
    case scan(name: String, unpackArchives: Bool)
    /// Worker -> inspector: clamd's answer.
    case scanned(signatures: [String]?, error: String?)
    /// Inspector -> worker: the upload's verdict.
    case verdict(Verdict)
}

/// What the worker's end may receive from an inspector, and nothing else: `ready` and clamd `scan` requests in `J`
/// frames, the verdict only in a `V` frame, read typed (``Verdict/init(wire:)``). Any other kind or message is malformed.
enum InspectorReport: Sendable {
    case ready(InspectorReady)
    case scan(name: String, unpackArchives: Bool)
    case verdict(Verdict)

    /// The `J` messages an inspector may send, decoded from the same JSON as ``InspectorMessage`` encodes them.
    private enum Control: Decodable {
        case ready(InspectorReady)
        case scan(name: String, unpackArchives: Bool)
    }

    /// The report in a frame's body (kind byte and JSON).
    init(frame body: [UInt8]) throws(InspectorChannel.Failure) {
        switch body.first {
        case InspectorChannel.Kind.verdict:
            do throws(WireValue.Malformed) {
                self = .verdict(try Verdict(wire: body[1...]))
            } catch {
                throw .malformed("decoding: \(error)")
            }
        case InspectorChannel.Kind.control:
            let control: Control
            do {
                control = try JSONDecoder().decode(Control.self, from: Data(body[1...]))
            } catch {
                throw .malformed("decoding: not a ready or scan message")
            }
            switch control {
            case .ready(let ready): self = .ready(ready)
            case .scan(let name, let unpackArchives): self = .scan(name: name, unpackArchives: unpackArchives)
            }
        case nil: throw .malformed("an empty frame")
        case let kind?: throw .malformed("a frame of kind \(kind), which an inspector never sends")
        }
    }
}

/// The `J` messages the worker sends an inspector, decoded on the inspector's end.
private enum WorkerControl: Decodable {
    case setup(InspectorSetup)
    case profile(id: Int, UploadProfile)
    case scanned(signatures: [String]?, error: String?)

    var message: InspectorMessage {
        switch self {
        case .setup(let setup): .setup(setup)
        case .profile(let id, let profile): .profile(id: id, profile)
        case .scanned(let signatures, let error): .scanned(signatures: signatures, error: error)
        }
    }
}

/// Worker -> inspector setup.
struct InspectorSetup: Codable, Sendable {
    enum Engine: Codable, Sendable {
        /// In-process libclamav on this signature directory.
        case libclamav(database: String, limits: ScanLimits)
        /// clamd through the worker (``InspectorMessage/scan(name:unpackArchives:)``).
        case clamd(description: String)
    }
    var engine: Engine
    /// The inspector's private scratch directory (the worker created it and removes it).
    var scratch: String
    var limits: InspectorLimits
    /// The worker's pid: the inspector dies with it.
    var parent: Int32
}

/// Inspector -> worker, once locked down.
struct InspectorReady: Codable, Sendable {
    var layers: SandboxLayers?
    var engine: String
    var error: String?
}

/// One upload for an inspector (its bytes come as a descriptor).
struct InspectionOrder: Codable, Sendable, Equatable {
    var filename: String
    var declaredSize: Int64?
    var declaredType: String?
    var declaredSHA256: String?
    /// The id of a profile sent before (``InspectorMessage/profile(id:_:)``).
    var profile: Int
    var denyList: Set<String>
    var allowList: Set<String>
    var computeMD5: Bool
    var exclusive: Bool
    var digests: FileDigests?

    /// - Parameters:
    ///   - profile: The id under which the inspector knows `request.profile`.
    init(_ request: InspectionRequest, profile: Int) {
        filename = request.filename
        declaredSize = request.declaredSize
        declaredType = request.declaredType
        declaredSHA256 = request.declaredSHA256
        self.profile = profile
        computeMD5 = request.computeMD5
        exclusive = request.exclusive
        digests = request.digests
        // With the digests known, only the entries that can match travel (the lists may hold many thousands).
        if let sha256 = request.digests?.sha256 {
            denyList = request.denyList.contains(sha256) ? [sha256] : []
            allowList = request.allowList.contains(sha256) ? [sha256] : []
        } else {
            denyList = request.denyList
            allowList = request.allowList
        }
    }

    func request(profile: UploadProfile) -> InspectionRequest {
        InspectionRequest(
            path: "upload",
            filename: filename,
            declaredSize: declaredSize,
            declaredType: declaredType,
            declaredSHA256: declaredSHA256,
            profile: profile,
            denyList: denyList,
            allowList: allowList,
            computeMD5: computeMD5,
            exclusive: exclusive,
            digests: digests
        )
    }
}

/// One end of the unix stream between the worker and an inspector: frames of a 4-byte little-endian length, a kind
/// byte and JSON, a descriptor (SCM_RIGHTS) riding on a frame's first bytes.
struct InspectorChannel: Sendable {
    let descriptor: Int32
    /// The largest frame of each kind this end reads: the worker's end reads only small frames from an inspector.
    let limits: FrameLimits

    /// Frame caps by kind (bytes after the length, the kind byte included); a frame past its cap is malformed.
    struct FrameLimits: Sendable, Equatable {
        var inspect: Int
        var verdict: Int
        var control: Int
        var largest: Int { max(inspect, verdict, control) }

        /// The inspector's end: orders and profiles from the worker (hash lists may hold many thousands of entries).
        static let inspector = FrameLimits(inspect: 64 << 20, verdict: 0, control: 64 << 20)
        /// The worker's end: an inspector sends verdicts (``Verdict/Wire/maxFrame``), `ready` and clamd `scan`
        /// requests (a filename and a flag), never an order.
        static let worker = FrameLimits(inspect: 0, verdict: Verdict.Wire.maxFrame, control: 64 << 10)

        func cap(_ kind: UInt8) -> Int {
            switch kind {
            case Kind.inspect: inspect
            case Kind.verdict: verdict
            default: control
            }
        }
    }

    /// How long a send waits for room on the worker's end (``send(_:descriptor:deadline:)`` without a deadline).
    static let sendTimeout: Duration = .seconds(60)

    init(descriptor: Int32, limits: FrameLimits = .inspector) {
        self.descriptor = descriptor
        self.limits = limits
    }

    enum Failure: Error {
        /// The other end closed or the stream broke.
        case closed(String)
        case timedOut
        case malformed(String)
    }

    /// A connected pair (close-on-exec both): the worker's end (worker caps, sends that time out) and the inspector's.
    static func pair() throws(Failure) -> (InspectorChannel, InspectorChannel) {
        var fds: [Int32] = [-1, -1]
        guard airlock_sandbox_socketpair(&fds) == 0 else {
            throw .closed("socketpair: \(String(cString: strerror(errno)))")
        }
        // A blocked send returns after 200 ms (EAGAIN or a partial count) so that ``send`` can keep its deadline.
        guard airlock_sandbox_send_timeout(fds[0], 200_000) == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fds[0])
            Glibc.close(fds[1])
            throw .closed("SO_SNDTIMEO: \(message)")
        }
        return (InspectorChannel(descriptor: fds[0], limits: .worker), InspectorChannel(descriptor: fds[1]))
    }

    /// The kind byte that starts a frame's body.
    enum Kind {
        /// ``InspectorMessage/inspect(_:)``, ``InspectionOrder/wire``.
        static let inspect = UInt8(ascii: "I")
        /// ``InspectorMessage/verdict(_:)``, ``Verdict/wire``.
        static let verdict = UInt8(ascii: "V")
        /// Any other message, Codable JSON.
        static let control = UInt8(ascii: "J")
    }

    /// The frame for `message`: length, kind, JSON.
    static func frame(_ message: InspectorMessage) throws(Failure) -> [UInt8] {
        var frame: [UInt8] = [0, 0, 0, 0]
        switch message {
        case .inspect(let order):
            frame.append(Kind.inspect)
            frame += order.wire.utf8
        case .verdict(let verdict):
            frame.append(Kind.verdict)
            frame += verdict.wire.utf8
        default:
            frame.append(Kind.control)
            do {
                frame += try JSONEncoder().encode(message)
            } catch {
                throw .malformed("encoding: \(error)")
            }
        }
        let length = UInt32(frame.count - 4)
        for index in 0..<4 { frame[index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))) }
        return frame
    }

    /// The message in a frame's body on the inspector's end (kind byte and JSON): an order, or a setup, profile or
    /// clamd answer; anything else is malformed.
    static func message(_ body: [UInt8]) throws(Failure) -> InspectorMessage {
        guard let kind = body.first else { throw .malformed("an empty frame") }
        switch kind {
        case Kind.inspect:
            do throws(WireValue.Malformed) {
                return .inspect(try InspectionOrder(wire: body[1...]))
            } catch {
                throw .malformed("decoding: \(error)")
            }
        case Kind.control:
            do {
                return try JSONDecoder().decode(WorkerControl.self, from: Data(body[1...])).message
            } catch {
                throw .malformed("decoding: \(error)")
            }
        default:
            throw .malformed("a frame of kind \(kind), which the worker never sends")
        }
    }

    /// Sends `message` (and `attached` with its first bytes). On the worker's end a send that finds no room gives up
    /// at `deadline` (default: ``sendTimeout`` from now) with ``Failure/timedOut``: an inspector that stops reading
    /// cannot hold a worker thread.
    func send(_ message: InspectorMessage, descriptor attached: Int32 = -1, deadline: ContinuousClock.Instant? = nil) throws(Failure) {
        let frame = try Self.frame(message)
        let deadline = deadline ?? .now + Self.sendTimeout
        var offset = 0
        while offset < frame.count {
            let sent = frame.withUnsafeBytes { bytes in
                airlock_sandbox_send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, offset == 0 ? attached : -1)
            }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                guard ContinuousClock.now < deadline else { throw .timedOut }
                continue
            }
            guard sent > 0 else { throw .closed("send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// The next message and the descriptor that came with it (the caller closes it), on the inspector's end.
    /// `deadline`: give up then.
    func receive(deadline: ContinuousClock.Instant? = nil) throws(Failure) -> (InspectorMessage, Int32) {
        try receiveFrame(deadline: deadline) { body throws(Failure) in try Self.message(body) }
    }

    /// The next report from an inspector and the descriptor that came with it (the caller closes it), on the worker's
    /// end. `deadline`: give up then.
    func receiveReport(deadline: ContinuousClock.Instant? = nil) throws(Failure) -> (InspectorReport, Int32) {
        try receiveFrame(deadline: deadline) { body throws(Failure) in try InspectorReport(frame: body) }
    }

    private func receiveFrame<Decoded>(
        deadline: ContinuousClock.Instant?,
        _ decode: ([UInt8]) throws(Failure) -> Decoded
    ) throws(Failure) -> (Decoded, Int32) {
        var received: Int32 = -1
        do throws(Failure) {
            let header = try read(4, deadline: deadline, descriptor: &received)
            let length = header.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard length <= limits.largest else { throw .malformed("a \(length)-byte frame") }
            let body = try read(length, deadline: deadline, descriptor: &received)
            if let kind = body.first, length > limits.cap(kind) { throw .malformed("a \(length)-byte frame of kind \(kind)") }
            return (try decode(body), received)
        } catch {
            if received >= 0 { Glibc.close(received) }
            throw error
        }
    }

    private func read(_ count: Int, deadline: ContinuousClock.Instant?, descriptor received: inout Int32) throws(Failure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        // With a deadline the receive never blocks: readiness that yields no bytes (out-of-band data wakes poll, and
        // no normal receive returns it) would otherwise hold this thread past any deadline.
        var emptyWakes = 0
        while offset < count {
            if let deadline { try wait(until: deadline) }
            var attached: Int32 = -1
            let got = bytes.withUnsafeMutableBytes { buffer in
                airlock_sandbox_receive(descriptor, buffer.baseAddress! + offset, count - offset, &attached, deadline == nil ? 0 : 1)
            }
            if attached >= 0 {
                if received >= 0 { Glibc.close(received) }
                received = attached
            }
            if got == 0 { throw .closed("end of stream") }
            if got < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                emptyWakes += 1
                guard emptyWakes < 16 else { throw .malformed("the channel is readable but holds no data (out-of-band data)") }
                continue
            }
            guard got > 0 else { throw .closed("receive: \(String(cString: strerror(errno)))") }
            emptyWakes = 0
            offset += got
        }
        return bytes
    }

    private func wait(until deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            let left = deadline - .now
            guard left > .zero else { throw .timedOut }
            let millis = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, millis)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .closed("poll: \(String(cString: strerror(errno)))") }
        }
    }

    /// Why the worker refuses to have clamd scan `descriptor` for an inspector, or nil: it must be a regular file,
    /// opened for reading (an `O_PATH` descriptor, which any path yields even under Landlock, is refused).
    static func refusal(ofScanDescriptor descriptor: Int32) -> String? {
        guard descriptor >= 0 else { return "a scan request without a descriptor" }
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0 else { return "a scan request with a bad descriptor" }
        // O_PATH (Glibc's Swift module does not export it), linux/fcntl.h: 010000000.
        guard flags & 0o10_000_000 == 0 else { return "a scan request with an O_PATH descriptor" }
        guard flags & O_ACCMODE == O_RDONLY || flags & O_ACCMODE == O_RDWR else { return "a scan request with an unreadable descriptor" }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return "a scan request for something not a regular file" }
        return nil
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
