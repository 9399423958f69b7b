import AirlockCore
import Foundation
import Testing

struct FilenamePolicyTests {
    @Test(arguments: [
        "a\u{0}b.pdf", "tab\there.txt", "bell\u{7}.txt", "del\u{7F}.txt", "c1\u{85}.txt", "dir/name.pdf", "dir\\name.pdf", ".", "..", " .. ",
        "invoice\u{202E}fdp.exe", "lrm\u{200E}.txt", "isolate\u{2066}.txt", "bom\u{FEFF}.txt", "", "   ", String(repeating: "é", count: 128) + ".txt",
    ])
    func refusesDangerousNames(_ name: String) {
        let problem = FilenamePolicy.problem(with: name)
        #expect(problem?.code == .filenameInvalid, "\(name.debugDescription)")
        #expect(problem?.detail.isEmpty == false)
    }

    /// Double extensions that servers run, Windows-invalid characters and NTFS streams, device names, trailing dots.
    @Test(arguments: [
        "shell.php.gif", "x.PHP5.jpg", "a.phtml.png", "b.phar.txt", "c.asp.jpg", "d.aspx.pdf", "e.jsp.png", "f.cgi.txt", "g.pl.pdf", "h.sh.csv",
        "i.shtml.txt", "j.exe.pdf", "shell.asp;.jpg", "shell.php%00.png", "shell.php%0d%0a.jpg", "shell.php .png", "t.php.x.png", ".htaccess.png",
        "a<b.png", "a>b.png", "'\"><img src=x onerror=alert(1)>.png", "file.asax:.png", "shell.php::$DATA", "what?.txt", "star*.txt", "pipe|.txt",
        "shell.php.", "report.pdf.", "CON.png", "nul.txt", "com1.pdf", "LPT9.txt", "aux", "invoice\u{200B}.pdf", "a\u{00AD}b.pdf", "tag\u{E0041}.txt",
        "shell.cfm.png", "shell.py.png", "shell.lua.txt", "app.wsgi.txt", "x.fcgi.png", "p.psp.jpg", "v.cshtml.txt", "h.axd.png",
    ])
    func refusesServerAndWindowsTricks(_ name: String) {
        #expect(FilenamePolicy.problem(with: name)?.code == .filenameInvalid, "\(name.debugDescription)")
    }

    @Test(arguments: [
        "report.pdf", "Rapport annuel 2026.pdf", "日本語のファイル.txt", "emoji 😀.png", "a.b.c.txt", ".profile", "README",
        String(repeating: "a", count: 251) + ".txt",
        "invoice from example.com.pdf", "manual.de.pdf", "v1.2.3.pdf", "Foo.svg.png", "console.log.txt", "php.gif", "aspects.jpg",
        "Résumé – 2024 (final).pdf",
        "data.php-notes.txt", "semi;colon.txt", "report.pm.pdf", "example.com.pdf", "webpack.config.js.txt",
    ])
    func acceptsOrdinaryNames(_ name: String) {
        #expect(FilenamePolicy.problem(with: name) == nil, "\(name)")
    }

    @Test func safeNamesAreNormalizedTrimmedAndCollapsed() {
        let upper = { (text: String) in text.uppercased() }  // a stand-in normalizer, to see that it is applied
        #expect(FilenamePolicy.safeName("  My   Report \t 2026.pdf  ", normalize: { $0 }) == "My Report 2026.pdf")
        #expect(FilenamePolicy.safeName("a.pdf", normalize: upper) == "A.PDF")
    }

    @Test(
        arguments: [
            ("invoice.pdf.exe", "exe"), ("Photo.JPG", "jpg"), ("archive.tar.gz", "gz"), ("README", nil), ("trailing.", nil), (".profile", nil),
            ("..hidden", nil), ("a.b", "b"),
        ] as [(String, String?)]
    )
    func theExtensionIsTheLastSuffixLowercased(_ name: String, _ expected: String?) {
        #expect(FilenamePolicy.fileExtension(of: name) == expected)
    }
}

struct ProfilePolicyTests {
    let documents = UploadProfile(
        name: "documents",
        maxSize: 50 << 20,
        allow: [
            .init(extensions: ["pdf"], types: ["application/pdf"]),
            .init(extensions: ["txt"], types: ["text/plain"]),
            .init(extensions: ["csv"], types: ["text/csv"]),
            .init(extensions: ["png", "PNG"], types: ["image/png"]),
        ]
    )

    func codes(_ reasons: [Reason]) -> [ReasonCode] { reasons.map(\.code) }

    @Test func declarationsWithinTheProfilePass() {
        #expect(
            ProfilePolicy.checkDeclaration(filename: "report.pdf", declaredSize: 1234, declaredType: "application/pdf", profile: documents).isEmpty
        )
        #expect(
            ProfilePolicy.checkDeclaration(filename: "data.CSV", declaredSize: 10, declaredType: "text/csv; charset=utf-8", profile: documents)
                .isEmpty
        )
        #expect(ProfilePolicy.checkDeclaration(filename: "image.PNG", declaredSize: nil, declaredType: nil, profile: documents).isEmpty)
    }

    @Test func declarationsOutsideTheProfileAreRefusedWithTheRightCode() {
        #expect(
            codes(ProfilePolicy.checkDeclaration(filename: "invoice.pdf.exe", declaredSize: 10, declaredType: nil, profile: documents)) == [
                .extensionNotAllowed
            ]
        )
        #expect(
            codes(ProfilePolicy.checkDeclaration(filename: "README", declaredSize: 10, declaredType: nil, profile: documents)) == [
                .extensionNotAllowed
            ]
        )
        #expect(
            codes(ProfilePolicy.checkDeclaration(filename: "big.pdf", declaredSize: 51 << 20, declaredType: nil, profile: documents)) == [
                .sizeExceeded
            ]
        )
        #expect(codes(ProfilePolicy.checkDeclaration(filename: "empty.pdf", declaredSize: 0, declaredType: nil, profile: documents)) == [.empty])
        // A type the profile allows, but for another extension.
        #expect(
            codes(ProfilePolicy.checkDeclaration(filename: "report.pdf", declaredSize: 10, declaredType: "image/png", profile: documents)) == [
                .typeMismatch
            ]
        )
        // A type the profile allows nowhere.
        #expect(
            codes(
                ProfilePolicy.checkDeclaration(filename: "report.pdf", declaredSize: 10, declaredType: "application/x-msdownload", profile: documents)
            ) == [.typeNotAllowed]
        )
        #expect(
            codes(ProfilePolicy.checkDeclaration(filename: "../evil.pdf", declaredSize: 10, declaredType: nil, profile: documents)) == [
                .filenameInvalid
            ]
        )
    }

    @Test func sizesAgainstTheLimitAndTheDeclaration() {
        #expect(ProfilePolicy.checkSize(size: 100, declaredSize: 100, profile: documents).isEmpty)
        #expect(codes(ProfilePolicy.checkSize(size: 101, declaredSize: 100, profile: documents)) == [.sizeMismatch])
        #expect(codes(ProfilePolicy.checkSize(size: 0, declaredSize: nil, profile: documents)) == [.empty])
        #expect(codes(ProfilePolicy.checkSize(size: (50 << 20) + 1, declaredSize: nil, profile: documents)) == [.sizeExceeded])
    }

    @Test func detectedTypesFollowTheirFamilies() {
        // Prose with commas reads as CSV, source-like prose as C: both fine for .txt.
        #expect(ProfilePolicy.checkType(detected: "text/csv", filename: "notes.txt", declaredType: "text/plain", profile: documents).isEmpty)
        #expect(ProfilePolicy.checkType(detected: "text/x-c", filename: "notes.txt", declaredType: nil, profile: documents).isEmpty)
        #expect(ProfilePolicy.checkType(detected: "text/plain", filename: "table.csv", declaredType: "text/csv", profile: documents).isEmpty)
        // HTML, SVG and scripts are not text for a .txt.
        for active in ["text/html", "image/svg+xml", "text/x-shellscript", "text/xml"] {
            #expect(
                codes(ProfilePolicy.checkType(detected: active, filename: "notes.txt", declaredType: nil, profile: documents)) == [.typeNotAllowed],
                "\(active)"
            )
        }
        // A PNG named .pdf: allowed type, wrong extension.
        #expect(
            codes(ProfilePolicy.checkType(detected: "image/png", filename: "doc.pdf", declaredType: "application/pdf", profile: documents)) == [
                .typeMismatch, .typeMismatch,
            ]
        )
        // An executable named .pdf.
        #expect(
            codes(ProfilePolicy.checkType(detected: "application/x-dosexec", filename: "doc.pdf", declaredType: nil, profile: documents)) == [
                .typeNotAllowed
            ]
        )
        // The declared type disagrees with the bytes even though the bytes suit the extension.
        #expect(
            codes(ProfilePolicy.checkType(detected: "application/pdf", filename: "doc.pdf", declaredType: "image/png", profile: documents)) == [
                .typeMismatch
            ]
        )
    }

    @Test func outcomesFollowTheStrongestReason() {
        #expect(Verdict.outcome(for: []) == .clean)
        #expect(Verdict.outcome(for: [Reason(.typeMismatch, ""), Reason(.empty, "")]) == .rejected)
        #expect(Verdict.outcome(for: [Reason(.unscannable, ""), Reason(.typeMismatch, "")]) == .unscannable)
        #expect(Verdict.outcome(for: [Reason(.unscannable, ""), Reason(.malware, "")]) == .infected)
        #expect(Verdict.outcome(for: [Reason(.scanFailed, "")]) == .failed)
        #expect(Verdict.outcome(for: [Reason(.sourceMissing, "")]) == .failed)
        #expect(Verdict.outcome(for: [Reason(.sourceMissing, ""), Reason(.malware, "")]) == .infected)
        #expect(ReasonCode.allCases.count == 15)
        #expect(ReasonCode.sourceMissing.rawValue == "source_missing")
        #expect(ReasonCode.archiveMemberNotAllowed.rawValue == "archive_member_not_allowed")
        // A code a newer airlock wrote: not rejected, and a reason all the same (never clean).
        #expect(Verdict.outcome(for: [Reason(.unrecognized("future_check"), "")]) == .rejected)
    }

    /// A newer airlock's code (a rolling deploy) reads as unrecognized, kept as it is; input is checked against the
    /// known codes only.
    @Test func unknownReasonCodesAndFlagsAreKeptAsTheyAre() throws {
        #expect(ReasonCode(rawValue: "future_check") == nil)
        #expect(ReasonCode(stored: "future_check") == .unrecognized("future_check"))
        #expect(ReasonCode(stored: "malware") == .malware)
        #expect(ReasonCode(stored: "future_check").rawValue == "future_check")
        #expect(!ReasonCode(stored: "future_check").isRecognized && ReasonCode.malware.isRecognized)
        #expect(!ReasonCode.allCases.contains { !$0.isRecognized })
        for code in ReasonCode.allCases { #expect(ReasonCode(rawValue: code.rawValue) == code) }
        // The JSON form (the inspector's channel) is the bare string, as before.
        let reasons = [Reason(.malware, "Eicar"), Reason(.unrecognized("future_check"), "v9")]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // Foundation's key order is not stable otherwise
        let json = try encoder.encode(reasons)
        #expect(String(decoding: json, as: UTF8.self) == #"[{"code":"malware","detail":"Eicar"},{"code":"future_check","detail":"v9"}]"#)
        #expect(try JSONDecoder().decode([Reason].self, from: json) == reasons)

        #expect(UploadFlag(rawValue: "release_requested") == .releaseRequested)
        #expect(UploadFlag(rawValue: "future_flag") == .unrecognized("future_flag"))
        #expect(UploadFlag.parse(column: "rescanned_clean,,future_flag") == [.rescannedClean, .unrecognized("future_flag")])
        #expect(UploadFlag.column([.rescannedClean, .unrecognized("future_flag")]) == "rescanned_clean,future_flag")
    }

    @Test func mediaTypeEssenceAndAliases() {
        #expect(MediaType.essence(" Text/Plain ; charset=UTF-8") == "text/plain")
        for (type, essence) in [("text/plain", "text/plain"), ("TEXT/plain", "text/plain"), ("text/plain;charset=x", "text/plain"), ("", "")] {
            #expect(MediaType.essence(type) == essence)
        }
        #expect(MediaType.isCompatible(detected: "application/x-zip-compressed", allowed: "application/zip"))
        #expect(MediaType.isCompatible(detected: "text/plain", allowed: "application/json"))
        #expect(!MediaType.isCompatible(detected: "application/pdf", allowed: "text/plain"))
    }
}
