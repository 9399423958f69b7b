/// A flag on a quarantined upload, for reviewers.
///
/// A flag this airlock does not know (one a newer airlock wrote, read during a rolling deploy) reads as
/// ``unrecognized(_:)``: kept, shown and written back as it is, never refused and never dropped.
public enum UploadFlag: Sendable, Hashable {
    /// A rescan found the bytes clean; the upload stays quarantined until a reviewer decides.
    case rescannedClean
    /// A reviewer or a signature update asked for another inspection.
    case rescanRequested
    /// One reviewer released it; with `review.requireSecondReviewer` a different one must confirm.
    case releaseRequested
    /// A flag this airlock does not know, as stored.
    case unrecognized(String)

    /// The flags this airlock sets, in the order the review page offers them.
    public static let known: [UploadFlag] = [.rescannedClean, .rescanRequested, .releaseRequested]
}

extension UploadFlag: RawRepresentable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// Any flag: a known one, else ``unrecognized(_:)``.
    public init(rawValue: String) {
        self = Self.known.first { $0.rawValue == rawValue } ?? .unrecognized(rawValue)
    }

    public init(stringLiteral value: String) { self.init(rawValue: value) }

    public var rawValue: String {
        switch self {
        case .rescannedClean: "rescanned_clean"
        case .rescanRequested: "rescan_requested"
        case .releaseRequested: "release_requested"
        case .unrecognized(let text): text
        }
    }

    public var description: String { rawValue }

    /// Flags as the catalog's comma-separated `flags` column holds them.
    public static func column(_ flags: [UploadFlag]) -> String { flags.map(\.rawValue).joined(separator: ",") }

    /// Reads the `flags` column: no empty flags.
    public static func parse(column text: String) -> [UploadFlag] {
        text.split(separator: ",").map { UploadFlag(rawValue: String($0)) }
    }
}
