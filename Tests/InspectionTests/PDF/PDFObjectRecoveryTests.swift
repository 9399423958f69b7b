import Foundation
import Testing

@testable import Inspection

private let catalog = "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>\nendobj\n"
private let pages = "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n"
private let decoy = "5 0 obj\n[3 0 R /Fit]\nendobj\n"

/// Objects read the way a reader that follows the xref reads them: objects written inside another object's string or
/// comment, object headers and references with comments or whole numbers written as reals, object streams whose
/// index holds reals, and references that a check needs but that point at nothing.
@Suite struct PDFObjectRecoveryTests {

    /// `%PDF-1.7`, `body`, and an xref table whose entry for each number points at the first occurrence of its marker.
    static func pdf(_ body: String, xref: [(Int, String)] = []) -> [UInt8] {
        let out = Array("%PDF-1.7\n\(body)".utf8)
        var table = "xref\n0 1\n0000000000 65535 f \n"
        for (number, marker) in xref {
            let needle = Array(marker.utf8)
            let offset = out.indices.first { out[$0...].starts(with: needle) } ?? 0
            let digits = String(offset)
            table += "\(number) 1\n" + String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        return out + Array("\(table)trailer\n<< /Size 30 /Root 1 0 R >>\nstartxref\n\(out.count)\n%%EOF\n".utf8)
    }

    static func findings(_ bytes: [UInt8]) -> PDFActiveContent.Findings { PDFActiveContent.findings(in: bytes) }

    static let javaScript = "an OpenAction JavaScript action"

    @Test func objectInsideAStringThatTheXrefNames() {
        let hidden = "5 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n"
        let body = catalog + pages + decoy + "20 0 obj\n<< /Info (note \(hidden)) >>\nendobj\n"
        #expect(Self.findings(Self.pdf(body, xref: [(5, hidden)])).active.contains(Self.javaScript))
    }

    @Test func objectInsideACommentThatTheXrefNames() {
        let hidden = "5 0 obj << /S /JavaScript /JS (x) >> endobj"
        let body = catalog + pages + decoy + "20 0 obj\n<< /Info 1 % \(hidden)\n>>\nendobj\n"
        #expect(Self.findings(Self.pdf(body, xref: [(5, hidden)])).active.contains(Self.javaScript))
    }

    @Test func fontMatrixInsideAStringWithoutDecoy() {
        let hidden = "9 0 obj\n[1 0 0 1 0 (evil)]\nendobj\n"
        let body =
            "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + pages
            + "6 0 obj\n<< /Type /Font /Subtype /Type3 /FontMatrix 9 0 R >>\nendobj\n20 0 obj\n<< /Info (\(hidden)) >>\nendobj\n"
        #expect(Self.findings(Self.pdf(body, xref: [(9, hidden)])).active.contains { $0.contains("FontMatrix") })
    }

    @Test func xrefOffsetAtAnUnreadableHeaderIsUnscannable() {
        let hidden = "5 0.5 obj\n<< /S /JavaScript /JS (x) >>\nendobj\n"
        let body = catalog + pages + decoy + "20 0 obj\n<< /Info (\(hidden)) >>\nendobj\n"
        #expect(!Self.findings(Self.pdf(body, xref: [(5, hidden)])).unscannable.isEmpty)
    }

    @Test(arguments: ["5 0 %c\nobj", "5 %x\n0 obj", "5 0. obj", "5 -0 obj", "5 +0 obj", "5. 0 obj"])
    func irregularHeaderOfTheRealDefinition(header: String) {
        // The action's /S is object 5: a decoy says /GoTo, the definition with the irregular header /Launch.
        let body =
            catalog + pages + "4 0 obj\n<< /S 5 0 R /F (cmd.exe) /D [3 0 R /Fit] >>\nendobj\n5 0 obj\n/GoTo\nendobj\n"
            + "\(header)\n/Launch\nendobj\n"
        let findings = Self.findings(Self.pdf(body.replacingOccurrences(of: "/OpenAction 5 0 R", with: "/OpenAction 4 0 R")))
        #expect(findings.active.contains("an OpenAction Launch action"))
    }

    @Test func headerWithAFractionIsUnscannable() {
        let findings = Self.findings(Self.pdf(catalog + pages + decoy + "5 0.5 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\n"))
        #expect(findings.unscannable.contains { $0.contains("object header") })
    }

    @Test(arguments: ["5 0. R", "5 -0 R", "5 %c\n0 R", "5. 0 R"])
    func referenceWrittenWithRealsOrComments(reference: String) {
        let body =
            "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction \(reference) >>\nendobj\n" + pages
            + "5 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\n"
        #expect(Self.findings(Self.pdf(body)).active.contains("an OpenAction Launch action"))
    }

    /// An uncompressed object stream holding objects 7 and 5 with the given index (`{7}` and `{5}` are offsets).
    static func objectStream(index: String, count: Int) -> String {
        let seven = "<< /Kind /Seven >>"
        let five = "<< /S /JavaScript /JS (x) >>"
        let header =
            index.replacingOccurrences(of: "{7}", with: "0").replacingOccurrences(of: "{5}", with: String(seven.utf8.count + 1))
            + "\n"
        let data = header + seven + " " + five
        return
            "30 0 obj\n<< /Type /ObjStm /N \(count) /First \(header.utf8.count) /Length \(data.utf8.count) >>\nstream\n\(data)\nendstream\nendobj\n"
    }

    @Test func objectStreamIndexWithAWholeReal() {
        let body = catalog + pages + decoy + Self.objectStream(index: "7 {7} 5. {5}", count: 2)
        #expect(Self.findings(Self.pdf(body)).active.contains(Self.javaScript))
    }

    @Test func objectStreamIndexShorterThanNIsUnscannable() {
        let body = catalog + pages + Self.objectStream(index: "7 {7} 5 {5}", count: 3)
        #expect(Self.findings(Self.pdf(body)).unscannable.contains { $0.contains("fewer objects") })
    }

    @Test func xrefStreamEntryForAnObjectTheObjectStreamLacksIsUnscannable() {
        // The xref stream puts object 5 into object stream 30, which holds only 7; a plain decoy 5 is a destination.
        let stream = Self.objectStream(index: "7 {7}", count: 1)
        let entry: [UInt8] = [2, 0, 0, 0, 30, 0, 0]
        let head = Array(("%PDF-1.7\n" + catalog + pages + decoy + stream).utf8)
        let xref =
            Array("31 0 obj\n<< /Type /XRef /W [1 4 2] /Index [5 1] /Size 32 /Root 1 0 R /Length 7 >>\nstream\n".utf8)
            + entry + Array("\nendstream\nendobj\nstartxref\n\(head.count)\n%%EOF\n".utf8)
        let findings = Self.findings(head + xref)
        #expect(findings.unscannable.contains { $0.contains("puts object 5 in an object stream") })
    }

    @Test func checkedValueWithNoDefinitionIsUnscannable() {
        let body =
            "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + pages
            + "6 0 obj\n<< /Type /Font /Subtype /Type3 /FontMatrix 9 0 R >>\nendobj\n"
            + "7 0 obj\n<< /FunctionType 12 0 R /Domain [0 1] /Range [0 1] /Length 1 >>\nstream\n{\nendstream\nendobj\n"
        let findings = Self.findings(Self.pdf(body))
        #expect(findings.unscannable.contains { $0.contains("FontMatrix refers to object 9") })
        #expect(findings.unscannable.contains { $0.contains("FunctionType refers to object 12") })
    }

    @Test func benignDocumentsStayClean() {
        // Normal headers, an xref naming every object, an incremental update, an integer object stream index.
        let plain = FixturePDF.document(catalog: "/OpenAction [3 0 R /Fit]").build()
        #expect(Self.findings(plain) == .init())
        let updated = FixturePDF.update(plain, objects: [(3, "<< /Type /Page /Parent 2 0 R /Rotate 90 >>")])
        #expect(Self.findings(updated) == .init())
        var packed = FixturePDF.document(more: ["<< /Producer (x) >>"])
        packed.compressed = [3, 4]
        packed.xref = .stream
        #expect(Self.findings(packed.build()) == .init())
        let commented = Self.pdf(catalog.replacingOccurrences(of: " /OpenAction 5 0 R", with: "") + "% a comment line\n" + pages)
        #expect(Self.findings(commented) == .init())
    }
}
