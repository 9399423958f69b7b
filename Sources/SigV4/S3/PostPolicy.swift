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
        conditions.contains { condition in
            guard let field = condition.field else { return false }
            return Self.equalIgnoringASCIICase(field, name)
        }
    }

    static func equalIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count
            && zip(a.utf8, b.utf8).allSatisfy { x, y in
                x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
            }
    }

    /// The policy as compact JSON (UTF-8): `{"expiration":"...","conditions":[...]}`.
    public var json: [UInt8] {
        ByteWriter.bytes(capacity: jsonCapacity(escapeFactor: 6)) { writeJSON(to: &$0) }
    }

    /// An upper bound of the JSON's length when each string byte becomes at most `escapeFactor` bytes: 6 in general
    /// (`\u00XX`), 2 when no string holds a control character (only `"` and `\` are escaped then).
    func jsonCapacity(escapeFactor: Int) -> Int {
        var total = 64
        for condition in conditions {
            switch condition {
            case .equals(let field, let value), .startsWith(let field, let value):
                total += (field.utf8.count + value.utf8.count) * escapeFactor + 24
            case .contentLengthRange:
                total += 70
            }
        }
        return total
    }

    func writeJSON(to out: inout ByteWriter) {
        out.write("{\"expiration\":\"")
        expiration.writeISO8601(to: &out, milliseconds: true)
        out.write("\",\"conditions\":[")
        for (index, condition) in conditions.enumerated() {
            if index > 0 { out.write(UInt8(ascii: ",")) }
            switch condition {
            case .equals(let field, let value):
                out.write(UInt8(ascii: "{"))
                Self.writeJSONString(field, to: &out)
                out.write(UInt8(ascii: ":"))
                Self.writeJSONString(value, to: &out)
                out.write(UInt8(ascii: "}"))
            case .startsWith(let field, let prefix):
                out.write("[\"starts-with\",\"$")
                Self.writeJSONString(field, to: &out, quoted: false)
                out.write("\",")
                Self.writeJSONString(prefix, to: &out)
                out.write(UInt8(ascii: "]"))
            case .contentLengthRange(let min, let max):
                out.write("[\"content-length-range\",")
                out.writeDecimal(min)
                out.write(UInt8(ascii: ","))
                out.writeDecimal(max)
                out.write(UInt8(ascii: "]"))
            }
        }
        out.write("]}")
    }

    /// Writes `text` as a JSON string: quotes, backslashes and control characters escaped; other UTF-8 kept. Runs
    /// that need no escaping are copied at once.
    static func writeJSONString(_ text: String, to out: inout ByteWriter, quoted: Bool = true) {
        if quoted { out.write(UInt8(ascii: "\"")) }
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                // Printable ASCII other than `"` and `\`, and every byte of a multi-byte character, pass as is.
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F else { continue }
                out.write(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                switch byte {
                case UInt8(ascii: "\""): out.write("\\\"")
                case UInt8(ascii: "\\"): out.write("\\\\")
                case UInt8(ascii: "\n"): out.write("\\n")
                case UInt8(ascii: "\r"): out.write("\\r")
                case UInt8(ascii: "\t"): out.write("\\t")
                default:
                    out.write("\\u00")
                    out.write(ByteEncoding.lowerHex(byte >> 4))
                    out.write(ByteEncoding.lowerHex(byte & 0x0F))
                }
                runStart = index + 1
            }
            out.write(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        if quoted { out.write(UInt8(ascii: "\"")) }
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
        /// Base64 SHA-256 of the file, pinned as `x-amz-checksum-sha256`: a store that verifies checksums refuses any
        /// other bytes (where it does not, the field is only signed).
        public var checksumSHA256: String?

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
        ///   - checksumSHA256: Base64 SHA-256 the file must have (`x-amz-checksum-sha256`).
        public init(
            bucket: String,
            key: Key,
            expires: Int,
            contentType: String? = nil,
            contentLength: ClosedRange<Int>? = nil,
            metadata: [(name: String, value: String)] = [],
            successActionStatus: Int? = nil,
            fields: [(name: String, value: String)] = [],
            checksumSHA256: String? = nil
        ) {
            self.bucket = bucket
            self.key = key
            self.expires = expires
            self.contentType = contentType
            self.contentLength = contentLength
            self.metadata = metadata
            self.successActionStatus = successActionStatus
            self.fields = fields
            self.checksumSHA256 = checksumSHA256
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
            guard prefix.utf8.count < Self.maximumKeyLength, CanonicalHeaders.isValidValue(prefix) else {
                throw SigV4Error(.invalidKey, "the key prefix must be under \(Self.maximumKeyLength) bytes without control characters")
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
            guard status == 200 || status == 201 || status == 204 else {
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
        if let checksum = request.checksumSHA256 {
            guard PayloadHash.isBase64SHA256(checksum) else {
                throw SigV4Error(.invalidPolicy, "x-amz-checksum-sha256 must be the base64 of a 32-byte SHA-256")
            }
            try pin("x-amz-checksum-sha256", checksum)
        }
        try pin("x-amz-algorithm", Signer.algorithm)
        try pin("x-amz-credential", entry.credentialString)
        try pin("x-amz-date", time.amzDate)
        if let token = signer.credentials.sessionToken { try pin("x-amz-security-token", token) }

        let policy = PostPolicy(expiration: time.adding(seconds: request.expires), conditions: conditions)
        assert(fields.allSatisfy { policy.covers(field: $0.name) }, "every form field is pinned by a condition")
        // JSON, then its base64 (the string to sign), then the signature: all in temporary memory. Every string was
        // checked for control characters above, so escapes at most double a string.
        let jsonCapacity = policy.jsonCapacity(escapeFactor: 2)
        let base64Capacity = (jsonCapacity + 2) / 3 * 4
        ByteWriter.withTemporary(capacity: jsonCapacity + base64Capacity) { buffer in
            policy.writeJSON(to: &buffer)
            let jsonEnd = buffer.count
            buffer.writeBase64(buffer.slice(0..<jsonEnd))
            let encoded = buffer.slice(jsonEnd..<buffer.count)
            fields.append(("policy", String(decoding: encoded, as: UTF8.self)))
            signer.withSignature(of: encoded, entry: entry) { signature in
                fields.append(("x-amz-signature", String(decoding: signature, as: UTF8.self)))
            }
        }

        let virtualHost = endpoint.effectiveAddressing(for: request.bucket, requested: addressing) == .virtualHost
        let url = ByteWriter.string(capacity: endpoint.scheme.utf8.count + endpoint.authority.utf8.count + request.bucket.utf8.count + 6) { url in
            url.write(utf8: endpoint.scheme)
            url.write("://")
            if virtualHost {
                url.write(utf8: request.bucket)
                url.write(UInt8(ascii: "."))
                url.write(utf8: endpoint.authority)
                url.write(UInt8(ascii: "/"))
            } else {
                url.write(utf8: endpoint.authority)
                url.write(UInt8(ascii: "/"))
                url.write(utf8: request.bucket)
            }
        }
        return PresignedPost(url: url, fields: fields, expiresAt: policy.expiration, policy: policy)
    }

    /// Signs an arbitrary base64 policy (the AWS worked example uses a hand-written one): returns the hex signature.
    public func signPolicy(base64 policy: String, at time: SigningTime) -> String {
        var policy = policy
        return policy.withUTF8 { bytes in
            signer.withSignature(of: bytes, entry: signer.keys.entry(for: time)) { String(decoding: $0, as: UTF8.self) }
        }
    }
}
