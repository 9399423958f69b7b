/// The syntax of a declared media type (RFC 9110 section 8.3.1): `type "/" subtype *( OWS ";" OWS parameter )`, in
/// printable ASCII only. What passes can be signed into a header and a POST policy as it is.
enum MediaTypeSyntax {
    /// RFC 9110 `tchar`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Whether `text` is a media type with optional parameters, with no control or non-ASCII byte anywhere.
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else { return false }
        let essence = bytes.split(separator: UInt8(ascii: ";"), maxSplits: 1, omittingEmptySubsequences: false)[0]
        let halves = essence.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard halves.count == 2 else { return false }
        let subtype = halves[1].reversed().drop { $0 == UInt8(ascii: " ") }
        return !halves[0].isEmpty && !subtype.isEmpty && halves[0].allSatisfy(isTokenCharacter) && subtype.allSatisfy(isTokenCharacter)
    }
}
