/// A flag on a quarantined upload, for reviewers. The known flags are static members; a flag this airlock does not
/// know (one a newer airlock wrote) is kept and compared as it is, never refused.
public struct UploadFlag: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// A rescan found the bytes clean; the upload stays quarantined until a reviewer decides.
    public static let rescannedClean: UploadFlag = "rescanned_clean"
    /// A reviewer or a signature update asked for another inspection.
    public static let rescanRequested: UploadFlag = "rescan_requested"
    /// One reviewer released it; with `review.requireSecondReviewer` a different one must confirm.
    public static let releaseRequested: UploadFlag = "release_requested"

    /// The flags this airlock sets, in the order the review page offers them.
    public static let known: [UploadFlag] = [.rescannedClean, .rescanRequested, .releaseRequested]
}
