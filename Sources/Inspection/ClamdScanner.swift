internal import CClamAV

#if canImport(Glibc)
import Glibc
#endif

/// clamd over a unix socket (FILDES: the descriptor itself is passed, no copy) or TCP (INSTREAM: the bytes are
/// streamed in chunks), with send and receive timeouts. One connection per scan.
///
/// The heuristics Airlock relies on live in clamd.conf (AlertExceedsMax, AlertEncrypted*, AlertOLE2Macros,
/// AlertBrokenExecutables, HeuristicAlerts): scripts/clamd/start.sh shows them.
public final class ClamdScanner: MalwareScanner, Sendable {
    public enum Address: Sendable, Equatable {
        case unix(String)
        case tcp(host: String, port: UInt16)
    }

    public let address: Address
    public let timeout: Duration

    /// - Parameters:
    ///   - address: `unix:///run/clamav/clamd.ctl` or `tcp://127.0.0.1:3310`.
    ///   - timeout: Applied to every send and receive.
    public init(address text: String, timeout: Duration = .seconds(120)) throws(InspectionError) {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst(7))
            guard !path.isEmpty, path.utf8.count < 108 else { throw InspectionError(.engineLoad, "clamd socket path '\(path)' is empty or too long") }
            address = .unix(path)
        } else if text.hasPrefix("tcp://") {
            let rest = text.dropFirst(6)
            guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]), !rest[..<colon].isEmpty else {
                throw InspectionError(.engineLoad, "clamd address '\(text)' must be tcp://host:port")
            }
            address = .tcp(host: String(rest[..<colon]), port: port)
        } else {
            throw InspectionError(.engineLoad, "clamd address '\(text)' must start with unix:// or tcp://")
        }
        self.timeout = timeout
    }

    public var engineDescription: String {
        (try? command("zVERSION")).map { "clamd \($0)" } ?? "clamd"
    }

    /// `PING` answered `PONG`.
    public func ping() throws(InspectionError) {
        let reply = try command("zPING")
        guard reply == "PONG" else { throw InspectionError(.scanFailed, "clamd answered '\(reply)' to PING") }
    }

    public func scan(descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        let connection = try connect()
        defer { close(connection) }
        switch address {
        case .unix:
            try send(connection, Array("zFILDES\0".utf8))
            guard CClamAV_send_descriptor(connection, descriptor) == 1 else {
                throw InspectionError(.scanFailed, "passing the file to clamd failed: \(String(cString: strerror(errno)))")
            }
        case .tcp:
            try send(connection, Array("zINSTREAM\0".utf8))
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            var offset: off_t = 0
            while true {
                let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw InspectionError(.io, "reading the file failed: \(String(cString: strerror(errno)))") }
                let length = UInt32(count).bigEndian
                try send(connection, withUnsafeBytes(of: length) { Array($0) })
                if count == 0 { break }
                try send(connection, Array(chunk[0..<count]))
                offset += off_t(count)
            }
        }
        return try Self.result(from: try receive(connection))
    }

    /// `stream: OK`, `fd[7]: Name FOUND`, `INSTREAM size limit exceeded. ERROR`.
    static func result(from reply: String) throws(InspectionError) -> ClamAVResult {
        // The first ": " ends the `stream`/`fd[N]` label.
        var body = Substring(reply)
        if let colon = reply.firstIndex(of: ":"), reply[reply.index(after: colon)...].hasPrefix(" ") {
            body = reply[reply.index(colon, offsetBy: 2)...]
        }
        if body == "OK" { return .clean }
        if body.hasSuffix(" FOUND") { return .detected([String(body.dropLast(6))]) }
        if reply.hasSuffix("size limit exceeded. ERROR") {
            // clamd refused to read it all: what it did not see cannot be called clean.
            return .detected(["Heuristics.Limits.Exceeded.StreamMaxLength"])
        }
        throw InspectionError(.scanFailed, "clamd: \(reply)")
    }

    private func command(_ text: String) throws(InspectionError) -> String {
        let connection = try connect()
        defer { close(connection) }
        try send(connection, Array((text + "\0").utf8))
        return try receive(connection)
    }

    private func connect() throws(InspectionError) -> Int32 {
        switch address {
        case .unix(let path):
            var socketAddress = sockaddr_un()
            socketAddress.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
                for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
            }
            return try withUnsafePointer(to: &socketAddress) { pointer throws(InspectionError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(InspectionError) in
                    try connectSocket(family: AF_UNIX, address: address, length: socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        case .tcp(let host, let port):
            // A name (a Compose or Kubernetes service), an IPv4 or an IPv6 address: every address it resolves to, in order.
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let list else {
                throw InspectionError(.scanFailed, "cannot resolve the clamd host '\(host)': \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(list) }
            var lastError = InspectionError(.scanFailed, "the clamd host '\(host)' has no address")
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let current = entry {
                do {
                    return try connectSocket(family: current.pointee.ai_family, address: current.pointee.ai_addr, length: current.pointee.ai_addrlen)
                } catch {
                    lastError = error
                }
                entry = current.pointee.ai_next
            }
            throw lastError
        }
    }

    private func connectSocket(family: Int32, address socketAddress: UnsafePointer<sockaddr>, length: socklen_t) throws(InspectionError) -> Int32 {
        let connection = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard connection >= 0 else { throw InspectionError(.scanFailed, "socket: \(String(cString: strerror(errno)))") }
        var deadline = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &deadline, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &deadline, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(connection, socketAddress, length) == 0 else {
            let reason = String(cString: strerror(errno))
            close(connection)
            throw InspectionError(.scanFailed, "cannot reach clamd at \(address): \(reason)")
        }
        return connection
    }

    private func send(_ connection: Int32, _ bytes: [UInt8]) throws(InspectionError) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                throw InspectionError(
                    .scanFailed,
                    errno == EAGAIN ? "clamd timed out" : "sending to clamd failed: \(String(cString: strerror(errno)))"
                )
            }
            sent += result
        }
    }

    /// Reads a reply up to its terminating NUL.
    private func receive(_ connection: Int32) throws(InspectionError) -> String {
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw InspectionError(
                    .scanFailed,
                    errno == EAGAIN ? "clamd did not answer in time" : "reading from clamd failed: \(String(cString: strerror(errno)))"
                )
            }
            if count == 0 { break }
            reply += buffer[0..<count]
            if let end = reply.firstIndex(of: 0) {
                reply.removeSubrange(end...)
                break
            }
            guard reply.count < 4096 else { throw InspectionError(.scanFailed, "clamd's reply is too long") }
        }
        guard !reply.isEmpty else { throw InspectionError(.scanFailed, "clamd closed the connection without answering") }
        var text = String(decoding: reply, as: UTF8.self)
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
