/// The rules every verdict meets before the worker (or `airlock scan`) takes it, whatever produced it: an inspector
/// process, the in-process inspector, a future engine (docs/isolation.md, "Wire format" and "One validator").
extension Verdict {
    /// A verdict's caps. The worker's custody refuses a verdict past any of them; the inspector's wire writer and the
    /// in-process inspector fit any verdict within them first, so a legitimate one is never refused.
    ///
    /// The largest real verdicts come from archives: one reason per offending member (up to `archives.maxEntries`,
    /// 1000 by default, at all levels), each naming the member's path, and one signature name per distinct detection.
    /// 256 reasons still name every code involved (the rest are counted per code) and the outcome, recomputed from the
    /// codes, is the same; ClamAV names are under 100 bytes, member paths a few hundred.
    public enum Wire {
        /// The whole verdict frame: what 256 reasons of 2 KiB and 256 names take, JSON escapes included, in practice;
        /// the writer shortens the details further when escapes would pass it.
        public static let maxFrame = 1 << 20
        public static let maxReasons = 256
        public static let maxSignatures = 256
        /// A reason's detail, in bytes of UTF-8.
        public static let maxDetail = 2048
        /// A signature name, the detected type, a digest.
        public static let maxName = 256
    }

    /// A C0 or C1 control character, or DEL.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// `type/subtype`, each a restricted name of RFC 6838 (letters, digits, `!#$&-^_.+`), no parameters.
    public static func isMediaType(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            (1...127).contains(part.count)
                && part.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        true
                    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "-"), UInt8(ascii: "^"),
                        UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "+"):
                        true
                    default: false
                    }
                }
        }
    }

    /// Why custody refuses this verdict, or nil: at most ``Wire/maxReasons`` reasons, each of a code this airlock
    /// knows with a detail of at most ``Wire/maxDetail`` bytes; at most ``Wire/maxSignatures`` names of at most
    /// ``Wire/maxName`` bytes; a `type/subtype` detected type; no control character in any string; a size that is not
    /// negative and the outcome its reasons give. The text names the rule broken, never the offending value.
    public var custodyProblem: String? {
        func plain(_ text: String, _ maxBytes: Int) -> Bool {
            text.utf8.count <= maxBytes && !text.unicodeScalars.contains(where: Self.isControl)
        }
        guard reasons.count <= Wire.maxReasons else { return "more than \(Wire.maxReasons) reasons" }
        for reason in reasons {
            guard reason.code.isRecognized else { return "a reason code this airlock does not know" }
            guard plain(reason.detail, Wire.maxDetail) else {
                return "a reason detail longer than \(Wire.maxDetail) bytes or with a control character"
            }
        }
        guard signatures.count <= Wire.maxSignatures else { return "more than \(Wire.maxSignatures) signature names" }
        guard signatures.allSatisfy({ plain($0, Wire.maxName) }) else {
            return "a signature name longer than \(Wire.maxName) bytes or with a control character"
        }
        if let detectedType, !Self.isMediaType(detectedType) { return "a detected type that is not a type/subtype media type" }
        for digest in [sha256, md5] {
            if let digest, !plain(digest, Wire.maxName) { return "a digest longer than \(Wire.maxName) bytes or with a control character" }
        }
        guard size >= 0 else { return "a negative size" }
        guard outcome == Self.outcome(for: reasons) else { return "an outcome its reasons do not give" }
        return nil
    }

    /// This verdict when custody may take it (``custodyProblem``), else a `scan_failed` one naming the rule broken
    /// (the worker retries; nothing of the refused verdict is kept but its size).
    public func checkedForCustody() -> Verdict {
        guard let problem = custodyProblem else { return self }
        return Verdict(
            reasons: [Reason(.scanFailed, "the inspection's verdict was refused: \(problem)")],
            detectedType: nil,
            sha256: nil,
            size: max(0, size)
        )
    }
}

/// A ``FileInspector`` whose every verdict passes ``Verdict/checkedForCustody()``: the worker and `airlock scan` hold
/// their inspector through it, so no inspection path (isolated or in-process) reaches custody unchecked.
public struct CustodyCheckedInspector: FileInspector {
    public let inner: any FileInspector

    /// `inspector` itself when it already is one.
    public init(_ inspector: any FileInspector) {
        inner = (inspector as? CustodyCheckedInspector)?.inner ?? inspector
    }

    public func inspect(_ request: InspectionRequest) async -> Verdict {
        await inner.inspect(request).checkedForCustody()
    }

    public func inspectAll(_ requests: [InspectionRequest], concurrency: Int) async -> [Verdict] {
        await inner.inspectAll(requests, concurrency: concurrency).map { $0.checkedForCustody() }
    }
}
