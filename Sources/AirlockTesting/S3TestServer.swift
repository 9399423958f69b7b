public import AirlockCore
public import Foundation

/// The S3 server tests talk to, chosen by one parameter, `AIRLOCK_TEST_STORE`: `rgw` (the default; Ceph RGW on
/// loopback, started by `scripts/ceph-rgw/start.sh`) or `seaweedfs` (`scripts/seaweedfs/start.sh`). The README's test
/// command starts both and runs the store-dependent suites once per store. Overridable with `AIRLOCK_TEST_S3_ENDPOINT`,
/// `AIRLOCK_TEST_S3_ACCESS_KEY`, `AIRLOCK_TEST_S3_SECRET_KEY`.
public struct S3TestServer: Sendable {
    /// The kinds of store the tests run on.
    public enum Store: String, Sendable, CaseIterable {
        case rgw
        case seaweedfs

        /// The `store.backend` Airlock is configured with for this store.
        public var backend: StoreBackend {
            switch self {
            case .rgw: .ceph
            case .seaweedfs: .seaweedfs
            }
        }

        /// Where the store's start script listens unless told otherwise.
        var defaultEndpoint: String {
            switch self {
            case .rgw: "http://127.0.0.1:7480"
            case .seaweedfs: "http://127.0.0.1:8333"
            }
        }
    }

    /// Which store this run talks to (`AIRLOCK_TEST_STORE`).
    public var store: Store
    public var endpoint: String
    public var accessKey: String
    public var secretKey: String
    public var region: String
    /// A second account, for AccessDenied.
    public var otherAccessKey: String
    public var otherSecretKey: String
    /// The directory of the RGW started by scripts/ceph-rgw/start.sh (for restarting radosgw in outage tests).
    public var rgwDirectory: String
    public var rgwPort: Int

    /// The `store.backend` of this run's store.
    public var backend: StoreBackend { store.backend }

    public static var current: S3TestServer {
        let env = ProcessInfo.processInfo.environment
        let name = env["AIRLOCK_TEST_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? Store.rgw.rawValue
        guard let store = Store(rawValue: name) else {
            fatalError("AIRLOCK_TEST_STORE must be one of \(Store.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
        }
        let endpoint = env["AIRLOCK_TEST_S3_ENDPOINT"] ?? store.defaultEndpoint
        return S3TestServer(
            store: store,
            endpoint: endpoint,
            accessKey: env["AIRLOCK_TEST_S3_ACCESS_KEY"] ?? "AKIAIOSFODNN7EXAMPLE",
            secretKey: env["AIRLOCK_TEST_S3_SECRET_KEY"] ?? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: env["AIRLOCK_TEST_S3_REGION"] ?? "us-east-1",
            otherAccessKey: env["AIRLOCK_TEST_S3_OTHER_ACCESS_KEY"] ?? "AKIAOTHEREXAMPLE0000",
            otherSecretKey: env["AIRLOCK_TEST_S3_OTHER_SECRET_KEY"] ?? "otherSecretKeyForAirlockTests0000000000",
            rgwDirectory: env["AIRLOCK_RGW_DIR"] ?? (env["TMPDIR"] ?? "/tmp") + "/airlock-rgw",
            rgwPort: Int(endpoint.split(separator: ":").last ?? "7480") ?? 7480
        )
    }

    /// Runs a test only on the stores named (for behaviour one store has and the other has not, such as Ceph RGW's
    /// outage scripts).
    public static func isOn(_ stores: Store...) -> Bool { stores.contains(current.store) }

    /// Stops, starts or restarts only the radosgw process (scripts/ceph-rgw/restart-rgw.sh).
    public func radosgw(_ action: String) async throws {
        let output = try await TestProcess.run(
            [Repository.path("scripts/ceph-rgw/restart-rgw.sh"), action],
            environment: ["AIRLOCK_RGW_DIR": rgwDirectory, "AIRLOCK_RGW_PORT": String(rgwPort)]
        )
        guard output.status == 0 else { throw TestProcess.Failure(description: "restart-rgw.sh \(action): \(output.stderrText)") }
    }

    /// ``radosgw(_:)`` on the calling thread, for a `defer` (which cannot await).
    public func radosgwBlocking(_ action: String) throws {
        let output = try TestProcess.runBlocking(
            [Repository.path("scripts/ceph-rgw/restart-rgw.sh"), action],
            environment: ["AIRLOCK_RGW_DIR": rgwDirectory, "AIRLOCK_RGW_PORT": String(rgwPort)]
        )
        guard output.status == 0 else { throw TestProcess.Failure(description: "restart-rgw.sh \(action): \(output.stderrText)") }
    }

    /// A fresh bucket name for one test.
    public static func uniqueBucketName(_ label: String = "t") -> String {
        "airlock-\(label)-\(UUID().uuidString.lowercased().prefix(13))"
    }
}

/// One HTTP exchange made with curl (`--path-as-is`: URLs go out exactly as signed, never normalized).
public struct CurlResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// Every `Set-Cookie` header, in order (`headers` keeps only the last one of each name).
    public var setCookies: [String] = []

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The S3 error code in an XML error body, if any.
    public var s3ErrorCode: String? {
        guard let start = text.range(of: "<Code>"), let end = text.range(of: "</Code>", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[start.upperBound..<end.lowerBound])
    }
}

public enum Curl {
    /// Sends a request with curl and returns status, headers and body.
    /// - Parameters:
    ///   - method: HTTP method.
    ///   - url: The URL, sent as is.
    ///   - headers: Headers to send.
    ///   - body: A request body (sent with `--data-binary`).
    ///   - form: Multipart form fields sent in order with `--form-string`, then `fileField` holding `body` as a file.
    ///
    /// Waits for curl on a thread of its own (``TestProcess/run(_:stdin:environment:removing:)``).
    public static func request(
        _ method: String,
        _ url: String,
        headers: [(String, String)] = [],
        body: Data? = nil,
        form: [(String, String)]? = nil,
        fileField: String = "file"
    ) async throws -> CurlResponse {
        try await TestProcess.offPool { try requestBlocking(method, url, headers: headers, body: body, form: form, fileField: fileField) }
    }

    /// ``request(_:_:headers:body:form:fileField:)`` on the calling thread, for code that is not async.
    public static func requestBlocking(
        _ method: String,
        _ url: String,
        headers: [(String, String)] = [],
        body: Data? = nil,
        form: [(String, String)]? = nil,
        fileField: String = "file"
    ) throws -> CurlResponse {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bodyOut = directory.appendingPathComponent("body")
        let headersOut = directory.appendingPathComponent("headers")
        var arguments = ["curl", "-sS", "--path-as-is", "-o", bodyOut.path, "-D", headersOut.path, "-w", "%{http_code}"]
        if method == "HEAD" {
            arguments += ["-I"]
        } else {
            arguments += ["-X", method]
        }
        // curl adds Content-Type for --data-binary and Expect for large bodies unless told otherwise.
        var sent = headers
        if body != nil, form == nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            sent.append(("Content-Type", ""))
        }
        sent.append(("Expect", ""))
        for (name, value) in sent {
            arguments += ["-H", value.isEmpty ? "\(name):" : "\(name): \(value)"]
        }
        if let form {
            for (name, value) in form { arguments += ["--form-string", "\(name)=\(value)"] }
            let file = directory.appendingPathComponent("upload.bin")
            try (body ?? Data()).write(to: file)
            arguments += ["-F", "\(fileField)=@\(file.path);filename=upload.bin"]
        } else if let body {
            let file = directory.appendingPathComponent("upload.bin")
            try body.write(to: file)
            arguments += ["--data-binary", "@\(file.path)"]
        }
        arguments.append(url)
        let output = try TestProcess.runBlocking(arguments)
        guard output.status == 0, let status = Int(output.stdoutText) else {
            throw TestProcess.Failure(description: "curl \(method) failed (\(output.status)): \(output.stderrText)")
        }
        var parsed: [String: String] = [:]
        var cookies: [String] = []
        let headerText = (try? String(contentsOf: headersOut, encoding: .utf8)) ?? ""
        for line in headerText.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            parsed[name] = value
            if name == "set-cookie" { cookies.append(value) }
        }
        var response = CurlResponse(status: status, headers: parsed, body: (try? Data(contentsOf: bodyOut)) ?? Data())
        response.setCookies = cookies
        return response
    }
}

/// Where the repository is, found from this file's location (tests run from anywhere).
public enum Repository {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
