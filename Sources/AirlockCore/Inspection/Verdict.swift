/// What inspection concluded about an upload (docs/inspection.md, "Verdicts and reason codes").
public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
    case clean
    /// Refused by policy (name, extension, type, size, archive members, active content, checksum).
    case rejected
    /// Malware: a ClamAV signature or the deny list.
    case infected
    /// Something could not be fully inspected (limits, encryption, formats the scanner skips). Never clean.
    case unscannable
    /// Inspection itself failed (scanner error, attempts exhausted).
    case failed
}

/// A stable reason code (docs/inspection.md, "Verdicts and reason codes").
///
/// A code this airlock does not know (one a newer airlock wrote, read during a rolling deploy) reads as
/// ``unrecognized(_:)``: kept and shown as it is, never dropped and never an error. Only ``init(stored:)`` makes one;
/// ``init(rawValue:)`` knows the codes of this airlock alone, for checking input.
public enum ReasonCode: Sendable, Hashable {
    case filenameInvalid
    case extensionNotAllowed
    /// The detected type is not allowed for any extension of the profile.
    case typeNotAllowed
    /// The detected type is allowed, but not for this extension, or differs from the declared type.
    case typeMismatch
    case archiveMemberNotAllowed
    case sizeExceeded
    case sizeMismatch
    case empty
    case checksumMismatch
    case malware
    case activeContent
    case unscannable
    case scanFailed
    case unsolicited
    /// The object was gone before it could be inspected (a lifecycle rule or an operator removed it).
    case sourceMissing
    /// A code this airlock does not know, as stored.
    case unrecognized(String)
}

extension ReasonCode: RawRepresentable, CaseIterable, Codable, CustomStringConvertible {
    /// The codes this airlock knows (``unrecognized(_:)`` is not one).
    public static let allCases: [ReasonCode] = [
        .filenameInvalid, .extensionNotAllowed, .typeNotAllowed, .typeMismatch, .archiveMemberNotAllowed, .sizeExceeded,
        .sizeMismatch, .empty, .checksumMismatch, .malware, .activeContent, .unscannable, .scanFailed, .unsolicited,
        .sourceMissing,
    ]

    private static let byName: [String: ReasonCode] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// A code this airlock knows; nil for any other text (input to check: a filter, an argument).
    public init?(rawValue: String) {
        guard let code = Self.byName[rawValue] else { return nil }
        self = code
    }

    /// A code as stored (a catalog row, a verdict from another process): a known one, else ``unrecognized(_:)``.
    public init(stored text: String) {
        self = Self.byName[text] ?? .unrecognized(text)
    }

    public var rawValue: String {
        switch self {
        case .filenameInvalid: "filename_invalid"
        case .extensionNotAllowed: "extension_not_allowed"
        case .typeNotAllowed: "type_not_allowed"
        case .typeMismatch: "type_mismatch"
        case .archiveMemberNotAllowed: "archive_member_not_allowed"
        case .sizeExceeded: "size_exceeded"
        case .sizeMismatch: "size_mismatch"
        case .empty: "empty"
        case .checksumMismatch: "checksum_mismatch"
        case .malware: "malware"
        case .activeContent: "active_content"
        case .unscannable: "unscannable"
        case .scanFailed: "scan_failed"
        case .unsolicited: "unsolicited"
        case .sourceMissing: "source_missing"
        case .unrecognized(let text): text
        }
    }

    /// Whether this airlock knows the code.
    public var isRecognized: Bool {
        if case .unrecognized = self { return false }
        return true
    }

    public var description: String { rawValue }

    /// The code as a JSON string, as before the unrecognized case: `"malware"`.
    public init(from decoder: any Decoder) throws {
        self.init(stored: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// One reason with its human detail (detected type, signature name, limit hit, member path).
public struct Reason: Sendable, Hashable, Codable {
    public var code: ReasonCode
    public var detail: String

    public init(_ code: ReasonCode, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// The result of inspecting one file.
public struct Verdict: Sendable, Hashable, Codable {
    public var outcome: Outcome
    public var reasons: [Reason]
    public var detectedType: String?
    /// Lowercase hex.
    public var sha256: String?
    public var size: Int64
    /// Scanner signature names, when malware was found.
    public var signatures: [String]
    /// Lowercase hex MD5 of the whole file, when the request asked for it (the worker verifies copies with it).
    public var md5: String?

    public init(reasons: [Reason], detectedType: String?, sha256: String?, size: Int64, signatures: [String] = [], md5: String? = nil) {
        self.outcome = Self.outcome(for: reasons)
        self.reasons = reasons
        self.detectedType = detectedType
        self.sha256 = sha256
        self.size = size
        self.signatures = signatures
        self.md5 = md5
    }

    private enum CodingKeys: String, CodingKey {
        case reasons, detectedType, sha256, size, signatures, md5
    }

    /// The outcome is not read: it is recomputed from the reasons (a verdict from another process cannot claim an
    /// outcome its reasons do not give).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            reasons: try container.decode([Reason].self, forKey: .reasons),
            detectedType: try container.decodeIfPresent(String.self, forKey: .detectedType),
            sha256: try container.decodeIfPresent(String.self, forKey: .sha256),
            size: try container.decode(Int64.self, forKey: .size),
            signatures: try container.decode([String].self, forKey: .signatures),
            md5: try container.decodeIfPresent(String.self, forKey: .md5)
        )
    }

    /// Malware outranks everything; then what could not be inspected; then failures; any other reason is a policy
    /// rejection; no reason at all is clean.
    public static func outcome(for reasons: [Reason]) -> Outcome {
        let codes = Set(reasons.map(\.code))
        if codes.contains(.malware) { return .infected }
        if codes.contains(.unscannable) { return .unscannable }
        if codes.contains(.scanFailed) || codes.contains(.sourceMissing) { return .failed }
        return codes.isEmpty ? .clean : .rejected
    }

    /// The same verdict with one more reason (first or last), its outcome recomputed.
    public func adding(_ reason: Reason, first: Bool = false) -> Verdict {
        Verdict(
            reasons: first ? [reason] + reasons : reasons + [reason],
            detectedType: detectedType,
            sha256: sha256,
            size: size,
            signatures: signatures,
            md5: md5
        )
    }
}
