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
            case 0xFEFF, 0x2028, 0x2029, 0x200B, 0x200C, 0x2060...0x2064, 0x00AD, 0x034F, 0x115F, 0x1160, 0x180E, 0x3164, 0xFFA0, 0xE0000...0xE007F:
                // Zero-width, soft-hyphen, filler and tag characters: a name that shows as another. (U+200D and
                // U+FE0F stay: emoji sequences use them.)
                return Reason(.filenameInvalid, "the filename contains the invisible character U+\(hex(scalar.value))")
            default:
                continue
            }
        }
        let trimmed = trimmedAndCollapsed(name)
        if trimmed.isEmpty { return Reason(.filenameInvalid, "the filename is only whitespace") }
        if trimmed == "." || trimmed == ".." { return Reason(.filenameInvalid, "the filename is a '.' or '..' segment") }
        if let invalid = name.first(where: { windowsInvalid.contains($0) }) {
            // `:` is also NTFS's stream syntax (`shell.php::$DATA`, `a.asp:.jpg`).
            return Reason(.filenameInvalid, "the filename contains '\(invalid)', which Windows does not allow in names")
        }
        if let last = trimmed.last, last == "." {
            // Windows drops trailing dots: `shell.php.` is saved as `shell.php`.
            return Reason(.filenameInvalid, "the filename ends with a dot")
        }
        let stem = trimmed.split(separator: ".", omittingEmptySubsequences: false).first.map { $0.lowercased().trimmingSpaces() } ?? ""
        if windowsDeviceNames.contains(stem) {
            return Reason(.filenameInvalid, "'\(stem)' is a Windows device name")
        }
        if let inner = executableInnerExtension(of: trimmed) {
            return Reason(.filenameInvalid, "the filename hides a .\(inner) extension before its last one (servers may run it)")
        }
        if let inner = innerExtension(of: trimmed, in: rereadingExtensions) {
            return Reason(
                .filenameInvalid,
                "the filename hides a .\(inner) extension before its last one (servers read the file as a type map or in another character set)"
            )
        }
        return nil
    }

    /// Characters Windows refuses in names (`<>:"|?*`).
    static let windowsInvalid: Set<Character> = ["<", ">", ":", "\"", "|", "?", "*"]

    /// Names Windows maps to devices, with or without an extension (`con.txt` is the console).
    static let windowsDeviceNames: Set<String> = Set(
        ["con", "prn", "aux", "nul", "conin$", "conout$"] + (0...9).flatMap { ["com\($0)", "lpt\($0)"] } + [
            "com¹", "com²", "com³", "lpt¹", "lpt²", "lpt³",
        ]
    )

    /// Extensions that common web servers run or hand to an interpreter, plus Windows programs: in any position but
    /// the last (`shell.php.gif`, `x.php5.jpg`, `a.asp;.jpg`), such a name is how an upload becomes code on a server that
    /// maps every extension (Apache's `AddHandler`) or cuts the name at a separator (IIS 6 at `;`). Ordinary dotted
    /// names (`example.com.pdf`, `v1.2.pdf`, `manual.de.pdf`) are not in it.
    public static let executableExtensions: Set<String> = [
        "php", "php2", "php3", "php4", "php5", "php6", "php7", "php8", "phtml", "pht", "phtm", "phps", "phar", "pgif",
        "asp", "aspx", "ascx", "ashx", "asmx", "asa", "cer", "cdx", "jsp", "jspx", "jspf", "jsw", "jsv",
        "cgi", "pl", "py", "rb", "cfm", "cfml", "cfc", "sh", "bash", "shtml", "shtm", "stm", "htaccess",
        // Handlers Apache maps by extension with its modules (mod_lua, mod_wsgi, mod_fcgid, mod_python, mod_perl),
        // and other server-side pages (ASP.NET Razor and handlers, Node, Lasso, Erlang YAWS, Tcl).
        // (`pm`, `com` and `config` stay out: `report.pm.pdf`, `example.com.pdf`, `webpack.config.js`.)
        "lua", "wsgi", "fcgi", "fcg", "psp", "cshtml", "vbhtml", "axd", "svc", "rhtml", "erb", "yaws", "lasso", "tcl",
        "exe", "dll", "bat", "cmd", "hta", "vbs", "vbe", "jse", "wsf", "ps1", "scr", "msi", "jar", "lnk",
    ]

    /// Extensions that make a stock web server read the file as something else than what Airlock inspected, in any
    /// position (Apache's mod_mime applies every extension of a name; Debian's mime.conf maps these): `var`, a type map
    /// whose body is served under the type and charset it names; and the character sets whose decoders change what
    /// ASCII bytes mean (ISO-2022 escapes that show as nothing, UTF-7, UTF-16/32 and UCS, and the two-byte sets
    /// whose second byte may be an ASCII one: Shift_JIS, Big5, GBK, EUC-KR as browsers decode it, and the rest of EUC).
    /// Single-byte sets (`latin1`, `koi8-r`, `cp866`…) keep ASCII and stay allowed.
    public static let rereadingExtensions: Set<String> = [
        "var",
        "jis", "iso2022-jp", "kis", "iso2022-kr", "cis", "iso2022-cn", "utf7", "utf16", "utf16be", "utf16le", "utf32",
        "utf32be", "utf32le", "ucs2", "ucs4", "ucs-2", "ucs-4", "iso-10646-ucs-2", "iso-10646-ucs-4", "big5", "b5",
        "cn-big5", "sjis", "shift_jis", "gb", "gb2312", "euc-cn", "euc-gb", "euc-jp", "euc-kr", "euc-tw", "brf",
    ]

    /// The first extension before the last one that is in ``executableExtensions`` (`shell.php.gif` → `php`,
    /// `a.asp;.jpg` → `asp`, `shell.php%00.png` → `php`).
    public static func executableInnerExtension(of name: String) -> String? {
        innerExtension(of: name, in: executableExtensions)
    }

    /// The first extension before the last one that is in `extensions`, as ``executableInnerExtension(of:)`` reads them.
    static func innerExtension(of name: String, in extensions: Set<String>) -> String? {
        let segments = name.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count > 2 else { return nil }
        for segment in segments.dropFirst().dropLast() {
            // A segment counts up to a `;` (IIS 6 stops there: `shell.asp;.jpg`), a `%` (a decoder turns `%00` or
            // `%0d%0a` into a cut: `shell.php%00.png`) or a space (Windows drops trailing spaces).
            let word = String(segment.trimmingSpaces().prefix { $0 != ";" && $0 != "%" && $0 != " " })
            if extensions.contains(word) { return word }
        }
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
