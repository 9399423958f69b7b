/// Free text that reaches the audit log or the catalog (review notes, hash-list notes, key owners): everything but
/// control characters.
///
/// Refused: NUL and the other C0 controls except tab, line feed and carriage return (a note is typed in a text area and
/// may span lines), DEL, and the C1 controls (U+0080-U+009F). A NUL in particular cannot be kept: SQLite reads a text
/// value back only up to it and PostgreSQL refuses it, so an audit entry sealed over one could never be verified.
public enum FreeText {
    /// The first control character in `text` that free text may not hold, or `nil` when there is none.
    public static func forbiddenControl(in text: some StringProtocol) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: false
            case 0x00...0x1F, 0x7F...0x9F: true
            default: false
            }
        }
    }

    /// "U+0000": how an error names the character without echoing it.
    public static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
