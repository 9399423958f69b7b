/// Filename rules: what a client may call a file, the safe name Airlock stores it under, and its extension.
public enum FilenamePolicy {
    /// Longest accepted name, in UTF-8 bytes.
    public static let maximumBytes = 255

    /// Why `name` is refused (`filename_invalid`), or `nil` when it is acceptable.
    public static func problem(with name: String) -> Reason? {
        if name.isEmpty { return Reason(.filenameInvalid, "the filename is empty") }
        if name.utf8.count > maximumBytes {
            return Reason(.filenameInvalid, "the filename is \(name.utf8.count) bytes; at most \(maximumBytes) are allowed")
        }
        for scalar in name.unicodeScalars {
            switch scalar.value {
            case 0:
                return Reason(.filenameInvalid, "the filename contains a NUL character")
            case 0x01...0x1F, 0x7F, 0x80...0x9F:
                return Reason(.filenameInvalid, "the filename contains the control character U+\(hex(scalar.value))")
            case 0x2F, 0x5C:
                return Reason(.filenameInvalid, "the filename contains a path separator")
            case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069:
                return Reason(.filenameInvalid, "the filename contains the bidirectional control U+\(hex(scalar.value))")
            case 0xFEFF, 0x2028, 0x2029:
                return Reason(.filenameInvalid, "the filename contains the invisible character U+\(hex(scalar.value))")
            default:
                continue
            }
        }
        let trimmed = trimmedAndCollapsed(name)
        if trimmed.isEmpty { return Reason(.filenameInvalid, "the filename is only whitespace") }
        if trimmed == "." || trimmed == ".." { return Reason(.filenameInvalid, "the filename is a '.' or '..' segment") }
        return nil
    }

    /// The name to store: normalized (by `normalize`, NFC in production), trimmed, inner whitespace collapsed to one
    /// space. Call only for names ``problem(with:)`` accepts.
    /// - Parameter normalize: Unicode normalization (NFC); Foundation provides it, this pure module cannot.
    public static func safeName(_ name: String, normalize: (String) -> String) -> String {
        trimmedAndCollapsed(normalize(name))
    }

    /// The extension: the last suffix after a dot, lowercased (`invoice.pdf.exe` is `exe`); `nil` without one
    /// (`README`, `archive.`, `.profile`).
    public static func fileExtension(of name: String) -> String? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let suffix = name[name.index(after: dot)...]
        let stem = name[..<dot]
        guard !suffix.isEmpty, !stem.allSatisfy({ $0 == "." || $0.isWhitespace }) else { return nil }
        return suffix.lowercased()
    }

    private static func trimmedAndCollapsed(_ name: String) -> String {
        var result = ""
        result.reserveCapacity(name.utf8.count)
        var pendingSpace = false
        for character in name {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(character)
            }
        }
        return result
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
