/// A browser POST policy document: an expiration and typed conditions.
///
/// Related AWS documentation: <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html>
public struct PostPolicy: Sendable, Equatable {
    /// One policy condition.
    public enum Condition: Sendable, Equatable {
        /// `{"field": "value"}`: the form field must equal `value`.
        case equals(field: String, value: String)
        /// `["starts-with", "$field", "prefix"]`: the form field must begin with `prefix` (empty: any value).
        case startsWith(field: String, prefix: String)
        /// `["content-length-range", min, max]`: the file size in bytes, bounds inclusive, as JSON integers.
        case contentLengthRange(min: Int, max: Int)

        /// The form field the condition covers (`nil` for the size range).
        public var field: String? {
            switch self {
            case .equals(let field, _), .startsWith(let field, _): return field
            case .contentLengthRange: return nil
            }
        }
    }

    public var expiration: SigningTime
    public var conditions: [Condition]

    public init(expiration: SigningTime, conditions: [Condition]) {
        self.expiration = expiration
        self.conditions = conditions
    }

    /// Whether a form field named `name` is covered by a condition (field names compare case-insensitively).
    public func covers(field name: String) -> Bool {
        let lowered = name.lowercased()
        return conditions.contains { $0.field?.lowercased() == lowered }
    }

    /// The policy as compact JSON (UTF-8): `{"expiration":"...","conditions":[...]}`.
    public var json: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(static: "{\"expiration\":\"")
        expiration.appendISO8601Milliseconds(to: &out)
        out.append(static: "\",\"conditions\":[")
        for (index, condition) in conditions.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch condition {
            case .equals(let field, let value):
                out.append(UInt8(ascii: "{"))
                Self.appendJSONString(field, to: &out)
                out.append(UInt8(ascii: ":"))
                Self.appendJSONString(value, to: &out)
                out.append(UInt8(ascii: "}"))
            case .startsWith(let field, let prefix):
                out.append(static: "[\"starts-with\",")
                Self.appendJSONString("$" + field, to: &out)
                out.append(UInt8(ascii: ","))
                Self.appendJSONString(prefix, to: &out)
                out.append(UInt8(ascii: "]"))
            case .contentLengthRange(let min, let max):
                out.append(static: "[\"content-length-range\",")
                ByteEncoding.appendDecimal(min, to: &out)
                out.append(UInt8(ascii: ","))
                ByteEncoding.appendDecimal(max, to: &out)
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(static: "]}")
        return out
    }

    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped; other UTF-8 kept.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(static: "\\\"")
            case UInt8(ascii: "\\"): out.append(static: "\\\\")
            case UInt8(ascii: "\n"): out.append(static: "\\n")
            case UInt8(ascii: "\r"): out.append(static: "\\r")
            case UInt8(ascii: "\t"): out.append(static: "\\t")
            case 0..<0x20, 0x7F:
                out.append(static: "\\u00")
                out.append(ByteEncoding.lowerHex(byte >> 4))
                out.append(ByteEncoding.lowerHex(byte & 0x0F))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension Presigner {
    /// What a browser POST upload may carry.
    public struct PostRequest: Sendable {
        /// How the object key is fixed.
        public enum Key: Sendable, Equatable {
            /// The exact key (Airlock's uploads: keys are chosen by Airlock).
            case exact(String)
            /// Any key under a prefix; the form's `key` field is `prefix${filename}`.
            case prefix(String)
        }

        public var bucket: String
        public var key: Key
        /// Seconds the policy stays valid, 1...604800.
        public var expires: Int
        /// Pinned `Content-Type`, if any.
        public var contentType: String?
        /// Allowed object size in bytes (inclusive), if any.
        public var contentLength: ClosedRange<Int>?
        /// User metadata: names without the `x-amz-meta-` prefix.
        public var metadata: [(name: String, value: String)]
        /// `success_action_status`: 200, 201 or 204.
        public var successActionStatus: Int?
        /// Further fields, each pinned by an `equals` condition.
        public var fields: [(name: String, value: String)]

        /// Creates a POST request.
        /// - Parameters:
        ///   - bucket: Bucket name.
        ///   - key: Exact key or key prefix.
        ///   - expires: Validity in seconds, 1...604800.
        ///   - contentType: Exact `Content-Type` the form must send.
        ///   - contentLength: Inclusive size range in bytes.
        ///   - metadata: `x-amz-meta-*` fields (names without the prefix).
        ///   - successActionStatus: 200, 201 or 204.
        ///   - fields: Extra fields pinned with `equals` conditions.
        public init(
            bucket: String,
            key: Key,
            expires: Int,
            contentType: String? = nil,
            contentLength: ClosedRange<Int>? = nil,
            metadata: [(name: String, value: String)] = [],
            successActionStatus: Int? = nil,
            fields: [(name: String, value: String)] = []
        ) {
            self.bucket = bucket
            self.key = key
            self.expires = expires
            self.contentType = contentType
            self.contentLength = contentLength
            self.metadata = metadata
            self.successActionStatus = successActionStatus
            self.fields = fields
        }
    }

    /// A signed POST form.
    public struct PresignedPost: Sendable {
        public var method: String { "POST" }
        /// The bucket URL for the chosen addressing.
        public var url: String
        /// Form fields in order; the file goes after them, last.
        public var fields: [(name: String, value: String)]
        public var expiresAt: SigningTime
        public var policy: PostPolicy
    }

    /// Builds and signs a browser POST policy at `time`. Every returned field (except `policy` and
    /// `x-amz-signature`) is covered by a condition.
    public func presignPost(_ request: PostRequest, at time: SigningTime) throws(SigV4Error) -> PresignedPost {
        try Signer.validateExpiry(request.expires)
        try S3BucketName.validate(request.bucket)
        let entry = signer.keys.entry(for: time)
        var fields: [(name: String, value: String)] = []
        var conditions: [PostPolicy.Condition] = [.equals(field: "bucket", value: request.bucket)]
        fields.reserveCapacity(10 + request.metadata.count + request.fields.count)
        conditions.reserveCapacity(10 + request.metadata.count + request.fields.count)

        func pin(_ name: String, _ value: String) throws(SigV4Error) {
            guard CanonicalHeaders.isValidValue(value) else {
                throw SigV4Error(.invalidPolicy, "the value of form field '\(name)' contains control characters")
            }
            fields.append((name, value))
            conditions.append(.equals(field: name, value: value))
        }

        switch request.key {
        case .exact(let key):
            try Self.validateKey(key)
            try pin("key", key)
        case .prefix(let prefix):
            guard prefix.utf8.count < Self.maximumKeyLength else {
                throw SigV4Error(.invalidKey, "the key prefix is longer than \(Self.maximumKeyLength) bytes")
            }
            fields.append(("key", prefix + "${filename}"))
            conditions.append(.startsWith(field: "key", prefix: prefix))
        }
        if let contentType = request.contentType { try pin("Content-Type", contentType) }
        if let range = request.contentLength {
            guard range.lowerBound >= 0 else {
                throw SigV4Error(.invalidPolicy, "content-length-range must not be negative")
            }
            conditions.append(.contentLengthRange(min: range.lowerBound, max: range.upperBound))
        }
        for item in request.metadata {
            let name = "x-amz-meta-" + CanonicalHeaders.lowercased(item.name)
            guard !item.name.isEmpty, CanonicalHeaders.isValidName(name) else {
                throw SigV4Error(.invalidPolicy, "'\(item.name)' is not a valid metadata name")
            }
            try pin(name, item.value)
        }
        if let status = request.successActionStatus {
            guard [200, 201, 204].contains(status) else {
                throw SigV4Error(.invalidPolicy, "success_action_status must be 200, 201 or 204, got \(status)")
            }
            try pin("success_action_status", String(status))
        }
        for item in request.fields {
            let lowered = item.name.lowercased()
            guard CanonicalHeaders.isValidName(item.name), !["policy", "x-amz-signature", "file", "bucket"].contains(lowered),
                !fields.contains(where: { $0.name.lowercased() == lowered }), !lowered.hasPrefix("x-amz-") || lowered.hasPrefix("x-amz-meta-")
            else {
                throw SigV4Error(.invalidPolicy, "form field '\(item.name)' is reserved or given twice")
            }
            try pin(item.name, item.value)
        }
        try pin("x-amz-algorithm", Signer.algorithm)
        try pin("x-amz-credential", String(decoding: entry.credential, as: UTF8.self))
        try pin("x-amz-date", time.amzDate)
        if let token = signer.credentials.sessionToken { try pin("x-amz-security-token", token) }

        let policy = PostPolicy(expiration: time.adding(seconds: request.expires), conditions: conditions)
        for field in fields where !policy.covers(field: field.name) {
            throw SigV4Error(.invalidPolicy, "form field '\(field.name)' is not covered by a policy condition")
        }
        var encoded: [UInt8] = []
        policy.json.withUnsafeBufferPointer { ByteEncoding.appendBase64($0, to: &encoded) }
        let signature = signer.signature(of: encoded, entry: entry)
        fields.append(("policy", String(decoding: encoded, as: UTF8.self)))
        fields.append(("x-amz-signature", String(decoding: signature, as: UTF8.self)))

        let location = endpoint.location(bucket: request.bucket, addressing: addressing)
        let url = endpoint.scheme + "://" + location.authority + (location.pathPrefix.isEmpty ? "/" : location.pathPrefix)
        return PresignedPost(url: url, fields: fields, expiresAt: policy.expiration, policy: policy)
    }

    /// Signs an arbitrary base64 policy (the AWS worked example uses a hand-written one): returns the hex signature.
    public func signPolicy(base64 policy: String, at time: SigningTime) -> String {
        String(decoding: signer.signature(of: Array(policy.utf8), entry: signer.keys.entry(for: time)), as: UTF8.self)
    }
}
