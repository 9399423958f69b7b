import AirlockCore
public import Configuration
import SigV4

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Runs `airlock presign`: resolves flags against the environment and configuration, signs offline, returns the JSON
/// of docs/operations.md, "Offline signing" (`{"method","url","expiresAt"}` plus `"headers"` for PUT or `"fields"` for POST).
public enum PresignRunner {
    /// - Parameters:
    ///   - input: The parsed flags.
    ///   - config: The configuration (only `store` is read).
    ///   - environment: The process environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
    ///   - now: The signing time when `--date` is absent.
    /// - Returns: The JSON document to print.
    public static func run(_ input: PresignInput, config: ConfigReader, environment: [String: String], now: Date) throws(AirlockError) -> String {
        try document(input, config: config, environment: environment, now: now).rendered
    }

    static func document(_ input: PresignInput, config: ConfigReader, environment: [String: String], now: Date) throws(AirlockError) -> JSONText {
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        let signer = try makeSigner(input, store: store, environment: environment)
        let endpointText = input.endpoint ?? store.publicEndpoint ?? store.endpoint
        let endpoint = try signing { () throws(SigV4Error) in try S3Endpoint(url: endpointText) }
        let addressing: S3Endpoint.Addressing =
            switch input.pathStyle {
            case .some(true): .path
            case .some(false): .virtualHost
            case .none: store.addressing == "virtual" ? .virtualHost : .path
            }
        let presigner = Presigner(signer: signer, endpoint: endpoint, addressing: addressing)
        let time = try signingTime(input, now: now)
        guard let bucket = input.bucket, !bucket.isEmpty else {
            throw AirlockError(.invalidArgument, "--bucket is required")
        }
        let expires = input.expires ?? PresignInput.defaultExpiry

        switch input.operation {
        case .get:
            let key = try requireKey(input)
            var query: [(name: String, value: String)] = []
            if let value = input.responseContentDisposition { query.append(("response-content-disposition", value)) }
            if let value = input.responseContentType { query.append(("response-content-type", value)) }
            let url = try signing { () throws(SigV4Error) in
                try presigner.presign(.init(method: .get, bucket: bucket, key: key, expires: expires, query: query), at: time)
            }
            return .object([("method", .string(url.method)), ("url", .string(url.url)), ("expiresAt", .string(url.expiresAt.iso8601))])

        case .put:
            let key = try requireKey(input)
            var headers: [(name: String, value: String)] = []
            if let value = input.contentType { headers.append(("content-type", value)) }
            if let length = input.contentLength {
                guard length >= 0 else { throw AirlockError(.invalidArgument, "--content-length must not be negative") }
                headers.append(("content-length", String(length)))
            }
            if let checksum = input.checksumSHA256 {
                guard let decoded = Data(base64Encoded: checksum), decoded.count == 32 else {
                    throw AirlockError(.invalidArgument, "--checksum-sha256 must be the base64 of a 32-byte SHA-256 digest")
                }
                headers.append(("x-amz-checksum-sha256", checksum))
            }
            let url = try signing { () throws(SigV4Error) in
                try presigner.presign(.init(method: .put, bucket: bucket, key: key, expires: expires, headers: headers), at: time)
            }
            return .object([
                ("method", .string(url.method)), ("url", .string(url.url)), ("expiresAt", .string(url.expiresAt.iso8601)),
                ("headers", .object(url.headers.map { ($0.name, .string($0.value)) })),
            ])

        case .post:
            let keySpec: Presigner.PostRequest.Key
            switch (input.key, input.keyPrefix) {
            case (let key?, nil): keySpec = .exact(key)
            case (nil, let prefix?): keySpec = .prefix(prefix)
            case (nil, nil): throw AirlockError(.invalidArgument, "post needs --key or --key-prefix")
            case (.some, .some): throw AirlockError(.invalidArgument, "give either --key or --key-prefix, not both")
            }
            var range: ClosedRange<Int>?
            if input.minSize != nil || input.maxSize != nil {
                let low = input.minSize ?? 0
                let high = input.maxSize ?? 5 * (1 << 40)
                guard low >= 0, low <= high else {
                    throw AirlockError(.invalidArgument, "--min-size (\(low)) must be >= 0 and <= --max-size (\(high))")
                }
                range = low...high
            }
            var metadata: [(name: String, value: String)] = []
            for item in input.meta {
                guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                    throw AirlockError(.invalidArgument, "--meta '\(item)' must be NAME=VALUE")
                }
                metadata.append((String(item[..<equals]), String(item[item.index(after: equals)...])))
            }
            if let status = input.successStatus, ![200, 201, 204].contains(status) {
                throw AirlockError(.invalidArgument, "--success-status must be 200, 201 or 204")
            }
            let post = try signing { () throws(SigV4Error) in
                try presigner.presignPost(
                    .init(
                        bucket: bucket,
                        key: keySpec,
                        expires: expires,
                        contentType: input.contentType,
                        contentLength: range,
                        metadata: metadata,
                        successActionStatus: input.successStatus
                    ),
                    at: time
                )
            }
            return .object([
                ("method", .string(post.method)), ("url", .string(post.url)), ("expiresAt", .string(post.expiresAt.iso8601)),
                ("fields", .object(post.fields.map { ($0.name, .string($0.value)) })),
            ])
        }
    }

    /// Credentials from flags, else `AWS_*` environment variables, else `store.*` configuration.
    static func makeSigner(_ input: PresignInput, store: StoreSettings, environment: [String: String]) throws(AirlockError) -> Signer {
        let credentials: Credentials
        switch (input.accessKey, input.secretKey) {
        case (let accessKey?, let secretKey?):
            credentials = Credentials(accessKeyId: accessKey, secretAccessKey: secretKey, sessionToken: input.sessionToken)
        case (.some, nil), (nil, .some):
            throw AirlockError(.missingCredentials, "--access-key and --secret-key must be given together")
        case (nil, nil):
            if let accessKey = environment["AWS_ACCESS_KEY_ID"], let secretKey = environment["AWS_SECRET_ACCESS_KEY"],
                !accessKey.isEmpty, !secretKey.isEmpty
            {
                credentials = Credentials(
                    accessKeyId: accessKey,
                    secretAccessKey: secretKey,
                    sessionToken: input.sessionToken ?? environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
                )
            } else if let accessKey = store.accessKeyId, let secretKey = store.secretAccessKey {
                credentials = Credentials(accessKeyId: accessKey, secretAccessKey: secretKey, sessionToken: input.sessionToken ?? store.sessionToken)
            } else {
                throw AirlockError(
                    .missingCredentials,
                    "no credentials: pass --access-key and --secret-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure store.accessKeyId and store.secretAccessKey"
                )
            }
        }
        let region = input.region ?? store.region
        return try signing { () throws(SigV4Error) in try Signer(credentials: credentials, region: region) }
    }

    static func signingTime(_ input: PresignInput, now: Date) throws(AirlockError) -> SigningTime {
        guard let text = input.date else { return SigningTime(now) }
        guard let time = SigningTime(amzDate: text) else {
            throw AirlockError(.invalidArgument, "--date '\(text)' is not YYYYMMDDTHHMMSSZ")
        }
        return time
    }

    static func requireKey(_ input: PresignInput) throws(AirlockError) -> String {
        guard input.keyPrefix == nil else {
            throw AirlockError(.invalidArgument, "--key-prefix only applies to post")
        }
        guard let key = input.key else { throw AirlockError(.invalidArgument, "--key is required") }
        return key
    }

    /// Runs a signing step, turning a ``SigV4Error`` into the CLI's error (the signer's error kept as its cause).
    static func signing<T>(_ body: () throws(SigV4Error) -> T) throws(AirlockError) -> T {
        do {
            return try body()
        } catch {
            throw AirlockError(.signing, error.message, cause: error)
        }
    }
}
