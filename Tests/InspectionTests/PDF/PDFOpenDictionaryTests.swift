import Testing

@testable import Inspection

/// A top-level dictionary left open up to the next line's object header (a writer's slip, corkami's "standard"
/// sample): readers skip that header and `<<`, take the next object's entries as this one's, close at its `>>`, and
/// before `stream` make this object a stream of its data. Both readings are judged; any other shape is malformed.
struct PDFOpenDictionaryTests {
    typealias Writer = PDFReaderStartTests.Writer

    /// Object 4 is left open; `next` follows it directly as object 5.
    static func document(open: String, next: String) -> [UInt8] {
        var writer = Writer()
        writer.object(1, "<< /Type /Catalog /Pages 2 0 R /Names 4 0 R >>")
        writer.object(2, PDFReaderStartTests.pages)
        writer.object(3, PDFReaderStartTests.page)
        writer.offsets[4] = writer.out.count
        writer.raw("4 0 obj\n\(open)\n\n")
        writer.offsets[5] = writer.out.count
        writer.raw("5 0 obj\n\(next)\nendobj\n")
        writer.table(trailer: "<< /Size 6 /Root 1 0 R >>")
        return writer.out
    }

    /// The next object's entries join the open one's: JavaScript there is found in either reading.
    @Test func theNextObjectsEntriesAreJudged() {
        let findings = PDFActiveContent.findings(
            in: Self.document(open: "<< /Type /Foo /Kids [<< /X 1 >>]", next: "<< /S /JavaScript /JS (app.alert\\(1\\)) >>")
        )
        #expect(!findings.active.isEmpty, "\(findings)")
    }

    /// Before `stream`, the open dictionary becomes the stream's dictionary: a calculator function whose data is the
    /// next object's.
    @Test func theNextObjectsStreamIsJudgedWithTheOpenDictionary() {
        let next = "<< /Length 18 >>\nstream\n{ 0 exch (x) alert }\nendstream"
        let findings = PDFActiveContent.findings(in: Self.document(open: "<< /FunctionType 4 /Domain [0 1] /Range [0 1]", next: next))
        #expect(findings.active.contains { $0.contains("calculator") }, "\(findings)")
    }

    /// Anything but one whole dictionary after the header (an array, a stray token, trailing entries) is malformed.
    @Test(arguments: [
        "[ /OpenAction 6 0 R ]", "<< /A 1 obj >>", "<< /A 1 >> /OpenAction << /S /JavaScript /JS (x) >> >>", "(text)",
    ])
    func anyOtherShapeIsUnscannable(_ next: String) {
        let findings = PDFActiveContent.findings(in: Self.document(open: "<< /Type /Foo", next: next))
        #expect(findings.unscannable.contains { $0.contains("malformed PDF object") }, "\(next): \(findings)")
    }

    /// The merged reading may be an object stream (the open dictionary's /Type /ObjStm /N /First, the next object's
    /// data): its objects are read like any object stream's, also when another plain definition of the same number
    /// holds a harmless object (attack round 7). The catalog in it, named by the xref stream, has an OpenAction.
    @Test(arguments: [false, true])
    func aMergedObjectStreamIsExpanded(_ decoy: Bool) {
        let held = "1 0 << /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>"
        var writer = Writer()
        writer.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        writer.object(2, PDFReaderStartTests.pages)
        writer.object(3, PDFReaderStartTests.page)
        writer.offsets[10] = writer.out.count
        writer.raw("10 0 obj\n<< /Type /ObjStm /N 1 /First 4\n")
        writer.offsets[11] = writer.out.count
        writer.raw("11 0 obj\n<< /Length \(held.utf8.count) >>\nstream\n\(held)\nendstream\nendobj\n")
        if decoy {
            let harmless = "1 0 << /Type /Catalog /Pages 2 0 R >>"
            writer.raw("10 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length \(harmless.utf8.count) >>\nstream\n\(harmless)\nendstream\nendobj\n")
        }
        writer.xrefStream(20, compressed: [1: 10])
        let findings = PDFActiveContent.findings(in: writer.out)
        #expect(findings.active.contains { $0.contains("JavaScript") }, "\(findings)")
    }

    /// Control: the corkami shape (an open dictionary, then an empty dictionary's content stream) is clean.
    @Test func aHarmlessOpenDictionaryIsClean() {
        let findings = PDFActiveContent.findings(
            in: Self.document(open: "<< /Pages << /Kids [<< /Contents 5 0 R >>] >>", next: "<< >>\nstream\nBT (x) Tj ET\nendstream")
        )
        #expect(findings.active.isEmpty && findings.unscannable.isEmpty, "\(findings)")
    }
}
