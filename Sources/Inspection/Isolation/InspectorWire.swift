import AirlockCore

/// The hot frames of the inspector channel, an inspection order and its verdict, as compact JSON written and read by
/// hand (docs/isolation.md, "Wire format"): Foundation's Codable took more time per small file than the scan itself.
///
/// The readers are strict and typed, field by field, without a generic tree: one JSON object, no duplicate keys,
/// integers only (no fraction or exponent, no leading zero), strings of valid UTF-8 without raw control characters,
/// nothing after the value. Every field is checked for its type; an unknown or missing field is malformed.
enum WireValue {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func skipSpace() {
            while offset < bytes.count, bytes[offset] == 0x20 || bytes[offset] == 0x0A || bytes[offset] == 0x0D || bytes[offset] == 0x09 {
                offset += 1
            }
        }

        mutating func expect(_ literal: StaticString) throws(Malformed) {
            let count = literal.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw Malformed("truncated at \(offset)") }
            for index in 0..<count where bytes[offset + index] != literal.utf8Start[index] { throw Malformed("bad literal at \(offset)") }
            offset += count
        }

        /// An integer: optional minus, no leading zero, no fraction or exponent, within Int64.
        mutating func integer() throws(Malformed) -> Int64 {
            let start = offset
            let negative = bytes[offset] == UInt8(ascii: "-")
            if negative { offset += 1 }
            let digitsStart = offset
            var magnitude: UInt64 = 0
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) {
                let (times, overflowTimes) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(UInt64(bytes[offset] - UInt8(ascii: "0")))
                guard !overflowTimes, !overflowSum else { throw Malformed("integer out of range at \(start)") }
                magnitude = sum
                offset += 1
            }
            let digits = offset - digitsStart
            guard digits > 0, digits == 1 || bytes[digitsStart] != UInt8(ascii: "0") else { throw Malformed("bad number at \(start)") }
            if offset < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[offset]) {
                throw Malformed("not an integer at \(start)")
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw Malformed("integer out of range at \(start)") }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { throw Malformed("integer out of range at \(start)") }
            return Int64(magnitude)
        }

        /// A string of at most `maxBytes` bytes of UTF-8 once unescaped.
        mutating func string(maxBytes: Int = .max) throws(Malformed) -> String {
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw Malformed("expected a string at \(offset)") }
            offset += 1
            var out: [UInt8] = []
            var runStart = offset
            while true {
                guard offset < bytes.count else { throw Malformed("unterminated string") }
                guard out.count + (offset - runStart) <= maxBytes else { throw Malformed("a string longer than \(maxBytes) bytes") }
                let byte = bytes[offset]
                if byte == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<offset]))
                    offset += 1
                    break
                }
                guard byte >= 0x20 else { throw Malformed("control character in a string at \(offset)") }
                guard byte == UInt8(ascii: "\\") else {
                    offset += 1
                    continue
                }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<offset]))
                offset += 1
                guard offset < bytes.count else { throw Malformed("unterminated escape") }
                let escaped = bytes[offset]
                offset += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Malformed("unpaired surrogate at \(offset)") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw Malformed("invalid \\u escape at \(offset)") }
                    out.append(contentsOf: String(Character(unicode)).utf8)
                default: throw Malformed("invalid escape at \(offset - 1)")
                }
                runStart = offset
            }
            guard out.count <= maxBytes else { throw Malformed("a string longer than \(maxBytes) bytes") }
            guard let text = String(validating: out, as: UTF8.self) else { throw Malformed("invalid UTF-8 in a string") }
            return text
        }

        // Typed reading, without a generic tree: a wrong type is refused at its first byte, a list or a string past its
        // cap as soon as it passes it.

        var next: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        /// A string of at most `maxBytes` bytes, or null.
        mutating func optionalString(maxBytes: Int) throws(Malformed) -> String? {
            guard next == UInt8(ascii: "n") else { return try string(maxBytes: maxBytes) }
            try expect("null")
            return nil
        }

        mutating func int() throws(Malformed) -> Int64 {
            guard let byte = next, byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                throw Malformed("expected an integer at \(offset)")
            }
            return try integer()
        }

        mutating func optionalInt() throws(Malformed) -> Int64? {
            guard next == UInt8(ascii: "n") else { return try int() }
            try expect("null")
            return nil
        }

        mutating func bool() throws(Malformed) -> Bool {
            switch next {
            case UInt8(ascii: "t"):
                try expect("true")
                return true
            case UInt8(ascii: "f"):
                try expect("false")
                return false
            default: throw Malformed("expected a boolean at \(offset)")
            }
        }

        /// An object: `field` reads each member's value (it is called with the key; a key seen twice, or a member
        /// it does not know, is the caller's to refuse).
        mutating func object(_ field: (inout Reader, String) throws(Malformed) -> Void) throws(Malformed) {
            guard next == UInt8(ascii: "{") else { throw Malformed("expected an object at \(offset)") }
            offset += 1
            skipSpace()
            if next == UInt8(ascii: "}") {
                offset += 1
                return
            }
            while true {
                skipSpace()
                let key = try string(maxBytes: 64)
                skipSpace()
                try expect(":")
                skipSpace()
                try field(&self, key)
                skipSpace()
                guard let byte = next else { throw Malformed("truncated at \(offset)") }
                offset += 1
                if byte == UInt8(ascii: "}") { return }
                guard byte == UInt8(ascii: ",") else { throw Malformed("expected , or } at \(offset - 1)") }
            }
        }

        /// An array of at most `maxCount` items, each read by `item`.
        mutating func array(maxCount: Int, _ item: (inout Reader) throws(Malformed) -> Void) throws(Malformed) {
            guard next == UInt8(ascii: "[") else { throw Malformed("expected an array at \(offset)") }
            offset += 1
            skipSpace()
            if next == UInt8(ascii: "]") {
                offset += 1
                return
            }
            var count = 0
            while true {
                count += 1
                guard count <= maxCount else { throw Malformed("more than \(maxCount) items at \(offset)") }
                skipSpace()
                try item(&self)
                skipSpace()
                guard let byte = next else { throw Malformed("truncated at \(offset)") }
                offset += 1
                if byte == UInt8(ascii: "]") { return }
                guard byte == UInt8(ascii: ",") else { throw Malformed("expected , or ] at \(offset - 1)") }
            }
        }

        mutating func hex4() throws(Malformed) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw Malformed("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Malformed("bad \\u escape at \(offset)")
                }
                value = value << 4 | UInt32(digit)
                offset += 1
            }
            return value
        }
    }
}

extension JSONText {
    static func optional(_ text: String?) -> JSONText { text.map { .string($0) } ?? .null }
    static func optional(_ number: Int64?) -> JSONText { number.map { .int(Int($0)) } ?? .null }
}

extension InspectionOrder {
    /// `{"filename":…,"declaredSize":…,"declaredType":…,"declaredSHA256":…,"profile":ID,"denyList":[…],
    /// "allowList":[…],"computeMD5":…,"exclusive":…,"digests":{"size":…,"sha256":…,"md5":…}|null}`.
    var wire: JSONText {
        .object([
            ("filename", .string(filename)),
            ("declaredSize", .optional(declaredSize)),
            ("declaredType", .optional(declaredType)),
            ("declaredSHA256", .optional(declaredSHA256)),
            ("profile", .int(profile)),
            ("denyList", .array(denyList.sorted().map { .string($0) })),
            ("allowList", .array(allowList.sorted().map { .string($0) })),
            ("computeMD5", .bool(computeMD5)),
            ("exclusive", .bool(exclusive)),
            (
                "digests",
                digests.map { .object([("size", .int(Int($0.size))), ("sha256", .string($0.sha256)), ("md5", .string($0.md5))]) } ?? .null
            ),
        ])
    }

    /// Reads an order frame's JSON typed, field by field: every field once, no other.
    init(wire bytes: ArraySlice<UInt8>) throws(WireValue.Malformed) {
        let read = bytes.withUnsafeBytes { buffer in Result { () throws(WireValue.Malformed) in try Self.read(buffer) } }
        self = try read.get()
    }

    private init(
        filename: String,
        declaredSize: Int64?,
        declaredType: String?,
        declaredSHA256: String?,
        profile: Int,
        denyList: Set<String>,
        allowList: Set<String>,
        computeMD5: Bool,
        exclusive: Bool,
        digests: FileDigests?
    ) {
        self.filename = filename
        self.declaredSize = declaredSize
        self.declaredType = declaredType
        self.declaredSHA256 = declaredSHA256
        self.profile = profile
        self.denyList = denyList
        self.allowList = allowList
        self.computeMD5 = computeMD5
        self.exclusive = exclusive
        self.digests = digests
    }

    private static func read(_ bytes: UnsafeRawBufferPointer) throws(WireValue.Malformed) -> InspectionOrder {
        // The fields read so far, one bit each in this order.
        let fields = [
            "filename", "declaredSize", "declaredType", "declaredSHA256", "profile", "denyList", "allowList", "computeMD5", "exclusive", "digests",
        ]
        var seen: UInt16 = 0
        var reader = WireValue.Reader(bytes: bytes)
        var filename = ""
        var declaredSize: Int64?
        var declaredType: String?
        var declaredSHA256: String?
        var profile = 0
        var denyList: Set<String> = []
        var allowList: Set<String> = []
        var computeMD5 = false
        var exclusive = false
        var digests: FileDigests?
        reader.skipSpace()
        try reader.object { (reader, key) throws(WireValue.Malformed) in
            guard let bit = fields.firstIndex(of: key).map({ UInt16(1) << $0 }) else { throw .init("unknown field \(key)") }
            guard seen & bit == 0 else { throw .init("duplicate key \(key)") }
            seen |= bit
            switch key {
            case "filename": filename = try reader.string()
            case "declaredSize": declaredSize = try reader.optionalInt()
            case "declaredType": declaredType = try reader.optionalString(maxBytes: .max)
            case "declaredSHA256": declaredSHA256 = try reader.optionalString(maxBytes: .max)
            case "profile":
                guard let id = Int(exactly: try reader.int()), id >= 0 else { throw .init("profile: not an id") }
                profile = id
            case "denyList": try reader.array(maxCount: .max) { reader throws(WireValue.Malformed) in denyList.insert(try reader.string()) }
            case "allowList": try reader.array(maxCount: .max) { reader throws(WireValue.Malformed) in allowList.insert(try reader.string()) }
            case "computeMD5": computeMD5 = try reader.bool()
            case "exclusive": exclusive = try reader.bool()
            default:  // digests
                if reader.next == UInt8(ascii: "n") {
                    try reader.expect("null")
                    break
                }
                var size: Int64?
                var sha256: String?
                var md5: String?
                try reader.object { (reader, key) throws(WireValue.Malformed) in
                    switch key {
                    case "size" where size == nil: size = try reader.int()
                    case "sha256" where sha256 == nil: sha256 = try reader.string()
                    case "md5" where md5 == nil: md5 = try reader.string()
                    default: throw .init("digests: unexpected or repeated field \(key)")
                    }
                }
                guard let size, let sha256, let md5 else { throw .init("digests: missing field") }
                digests = FileDigests(size: size, sha256: sha256, md5: md5)
            }
        }
        guard seen == (1 << fields.count) - 1 else {
            throw .init("missing fields: \(fields.indices.filter { seen & (1 << $0) == 0 }.map { fields[$0] }.sorted())")
        }
        reader.skipSpace()
        guard reader.offset == bytes.count else { throw .init("bytes after the value at \(reader.offset)") }
        return InspectionOrder(
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

extension Verdict {
    /// `{"reasons":[{"code":…,"detail":…}],"detectedType":…,"sha256":…,"size":…,"signatures":[…],"md5":…}`: the
    /// outcome is not sent; the worker recomputes it from the reasons. Within ``Wire``'s caps (``fitted(detail:)``).
    var wire: JSONText {
        for detail in [Wire.maxDetail, 512, 128] {
            let text = fitted(detail: detail).unfittedWire
            if detail == 128 || text.utf8.count < Wire.maxFrame { return text }
        }
        return unfittedWire
    }

    private var unfittedWire: JSONText {
        .object([
            ("reasons", .array(reasons.map { .object([("code", .string($0.code.rawValue)), ("detail", .string($0.detail))]) })),
            ("detectedType", .optional(detectedType)),
            ("sha256", .optional(sha256)),
            ("size", .int(Int(size))),
            ("signatures", .array(signatures.map { .string($0) })),
            ("md5", .optional(md5)),
        ])
    }

    /// This verdict within the caps: past ``Wire/maxReasons`` the last reasons are replaced by one per code they
    /// carry ("N more … reasons"), so every code stays; names past ``Wire/maxSignatures`` are dropped; strings are
    /// cut at a character boundary.
    func fitted(detail maxDetail: Int) -> Verdict {
        var kept = reasons
        if kept.count > Wire.maxReasons {
            var codes: [ReasonCode] = []
            for reason in reasons where !codes.contains(reason.code) { codes.append(reason.code) }
            let dropped = kept[(Wire.maxReasons - codes.count)...]
            kept.removeSubrange((Wire.maxReasons - codes.count)...)
            for code in codes {
                let count = dropped.count { $0.code == code }
                if count > 0 {
                    kept.append(Reason(code, "\(count) more \(code.rawValue) reasons not listed (the list is capped at \(Wire.maxReasons))"))
                }
            }
        }
        let clip = { (text: String, maxBytes: Int) in Self.clipped(Self.visible(text), maxBytes) }
        return Verdict(
            reasons: kept.map { Reason($0.code, clip($0.detail, maxDetail)) },
            detectedType: detectedType.map { clip($0, Wire.maxName) },
            sha256: sha256.map { clip($0, Wire.maxName) },
            size: size,
            signatures: signatures.prefix(Wire.maxSignatures).map { clip($0, Wire.maxName) },
            md5: md5.map { clip($0, Wire.maxName) }
        )
    }

    /// `text` with its control characters (C0, DEL, C1: a member name may hold any) written as `\xNN`: the worker
    /// refuses them in a verdict.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A string field of a verdict from an inspector: no control characters.
    static func plain(_ text: String, _ field: String) throws(WireValue.Malformed) -> String {
        guard !text.unicodeScalars.contains(where: isControl) else { throw .init("a control character in \(field)") }
        return text
    }

    /// `text` cut to at most `maxBytes` bytes of UTF-8, at a scalar boundary.
    static func clipped(_ text: String, _ maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var view = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            count += UTF8.width(scalar)
            guard count <= maxBytes else { break }
            view.append(scalar)
        }
        return String(view)
    }

    /// Reads a verdict frame's JSON typed, field by field, within ``Wire``'s caps (the frame's size is the channel's).
    init(wire bytes: ArraySlice<UInt8>) throws(WireValue.Malformed) {
        let read = bytes.withUnsafeBytes { buffer in Result { () throws(WireValue.Malformed) in try Self.read(buffer) } }
        self = try read.get()
    }

    private static func read(_ bytes: UnsafeRawBufferPointer) throws(WireValue.Malformed) -> Verdict {
        var reader = WireValue.Reader(bytes: bytes)
        // The fields read so far, one bit each in ``fields``' order (a set of strings costs more than the verdict).
        let fields = ["reasons", "detectedType", "sha256", "size", "signatures", "md5"]
        var seen: UInt8 = 0
        var reasons: [Reason] = []
        var detectedType: String?
        var sha256: String?
        var size: Int64 = 0
        var signatures: [String] = []
        var md5: String?
        reader.skipSpace()
        try reader.object { (reader, key) throws(WireValue.Malformed) in
            guard let bit = fields.firstIndex(of: key).map({ UInt8(1) << $0 }) else { throw .init("unknown field \(key)") }
            guard seen & bit == 0 else { throw .init("duplicate key \(key)") }
            seen |= bit
            switch key {
            case "reasons":
                try reader.array(maxCount: Wire.maxReasons) { reader throws(WireValue.Malformed) in
                    var code: ReasonCode?
                    var detail: String?
                    try reader.object { (reader, key) throws(WireValue.Malformed) in
                        switch key {
                        case "code" where code == nil:
                            let name = try reader.string(maxBytes: 64)
                            guard let known = ReasonCode(rawValue: name) else { throw .init("unknown reason code \(name)") }
                            code = known
                        case "detail" where detail == nil: detail = try plain(try reader.string(maxBytes: Wire.maxDetail), "a detail")
                        default: throw .init("reason: unexpected or repeated field \(key)")
                        }
                    }
                    guard let code, let detail else { throw .init("reason: missing code or detail") }
                    reasons.append(Reason(code, detail))
                }
            case "detectedType":
                detectedType = try reader.optionalString(maxBytes: Wire.maxName)
                if let type = detectedType, !isMediaType(type) { throw .init("detectedType is not a media type") }
            case "sha256":
                sha256 = try reader.optionalString(maxBytes: Wire.maxName)
                if let text = sha256 { _ = try plain(text, "sha256") }
            case "size": size = try reader.int()
            case "signatures":
                try reader.array(maxCount: Wire.maxSignatures) { reader throws(WireValue.Malformed) in
                    signatures.append(try plain(try reader.string(maxBytes: Wire.maxName), "a signature name"))
                }
            case "md5":
                md5 = try reader.optionalString(maxBytes: Wire.maxName)
                if let text = md5 { _ = try plain(text, "md5") }
            default: throw .init("unknown field \(key)")
            }
        }
        guard seen == 0b11_1111 else {
            throw .init("missing fields: \(fields.indices.filter { seen & (1 << $0) == 0 }.map { fields[$0] }.sorted())")
        }
        reader.skipSpace()
        guard reader.offset == bytes.count else { throw .init("bytes after the value at \(reader.offset)") }
        return Verdict(reasons: reasons, detectedType: detectedType, sha256: sha256, size: size, signatures: signatures, md5: md5)
    }
}
