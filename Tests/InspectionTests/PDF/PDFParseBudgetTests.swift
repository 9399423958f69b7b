import Foundation
import Testing

@testable import Inspection

/// All object parsing shares one budget: 4 × the bytes of the file and its decoded streams + 1 MiB. Object headers
/// inside one long literal string, each named by the xref, would otherwise parse that string once per header.
@Suite struct PDFParseBudgetTests {
    /// The round-5 shape: `n 0 obj (` K times inside an unterminated string, then filler, every header in the xref.
    static func headersInOneString(count: Int, filler: [UInt8]) -> [UInt8] {
        var body = Array("%PDF-1.7\n".utf8)
        var offsets: [Int] = [body.count]
        body += Array("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n".utf8)
        offsets.append(body.count)
        body += Array("2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n".utf8)
        offsets.append(body.count)
        body += Array("3 0 obj (".utf8)
        for number in 4..<(4 + count) {
            offsets.append(body.count)
            body += Array("\(number) 0 obj (".utf8)
        }
        body += filler
        let start = body.count
        body += Array("\nxref\n0 \(offsets.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets { body += Array((String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n").utf8) }
        body += Array("trailer << /Size \(offsets.count + 1) /Root 1 0 R >>\nstartxref\n\(start)\n%%EOF\n".utf8)
        return body
    }

    @Test(arguments: ["kept", "continuations"])
    func headersInsideOneStringEndUnscannableQuickly(filler: String) {
        let bytes =
            filler == "kept"
            ? Self.headersInOneString(count: 400, filler: [UInt8](repeating: 0x41, count: 400_000))
            : Self.headersInOneString(count: 400, filler: Array(String(repeating: "\\\n", count: 200_000).utf8))
        let started = Date()
        let findings = PDFActiveContent.findings(in: bytes)
        #expect(
            findings.unscannable == ["objects written inside other objects nest past the parse limit (4 × the file and its decoded streams + 1 MiB)"],
            "\(findings)"
        )
        // 400 reads of 400 KB before the budget; a few of them after it.
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// Keywords that make Airlock parse what follows them (`xref`, `trailer`; `startxref` only in encrypted files) in
    /// front of one long string: each parse reads the string, and all of them count.
    @Test(arguments: ["xref", "trailer"])
    func keywordsBeforeOneLongStringAreBounded(keyword: String) {
        var bytes = Array("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n".utf8)
        for _ in 0..<300 { bytes += Array("\(keyword) (\n".utf8) }
        bytes += [UInt8](repeating: 0x41, count: 100_000) + Array("\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
        let findings = PDFActiveContent.findings(in: bytes)
        #expect(findings.unscannable.contains { $0.hasPrefix("objects written inside other objects nest past the parse limit") }, "\(findings)")
    }

    /// An ordinary file far from the budget: a few headers inside a string still read as objects.
    @Test func fewHeadersInAStringStayWithinTheBudget() {
        let findings = PDFActiveContent.findings(in: Self.headersInOneString(count: 3, filler: Array("x) endobj\n".utf8)))
        #expect(!findings.unscannable.contains { $0.contains("parse limit") }, "\(findings)")
    }
}
