/// ETags as stores write them (quoted, sometimes weak) compared as the same value.
public enum ETagText {
    /// Unquoted, without a `W/` prefix, lowercase.
    public static func normalized(_ etag: String) -> String {
        var text = Substring(etag.trimmingSpaces())
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = text.dropFirst().dropLast() }
        return text.lowercased()
    }
}
