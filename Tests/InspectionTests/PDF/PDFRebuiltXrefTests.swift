import Foundation
import Testing

@testable import Inspection

/// Objects a reader finds only when it rebuilds the cross-reference from the raw bytes: pdf.js's `indexObjects`
/// matches `n g obj` anywhere in an object's body (inside strings and comments too), so when the xref does not hold
/// (a stale or missing entry, no xref, a startxref that leads nowhere), or when pdf.js rebuilds for a reason Airlock
/// does not model (round 6: an error while fetching the catalog), an object written inside another object's string is
/// the one a reader uses. Airlock reads these objects whether or not the xref holds.
@Suite struct PDFRebuiltXrefTests {
    /// How the xref of a fixture is written: object 5 is the one an attacker hides.
    enum Mode: String, CaseIterable {
        case valid
        case staleAtAnotherHeader
        case staleInsideAnObject
        case missingEntry
        case noXref
        case startxrefLeadsNowhere
        case entryAtTheHiddenHeader
    }

    static let hidden = "5 0 obj << /S /JavaScript /JS (app.alert\\(1\\)) >> endobj"
    static let javaScript = "an OpenAction JavaScript action"

    /// Catalog (opening object 5), pages, a page, a decoy object 5 (a destination) and object 20 holding `holder`.
    /// - Parameter firstPage: Write a first-page section as linearized files do: an empty xref, a trailer and
    ///   `startxref 0` (readers go by the last startxref).
    static func pdf(holder: String, mode: Mode, title: String = "", firstPage: Bool = false) -> [UInt8] {
        let objects: [(Int, String)] = [
            (1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>"),
            (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            (3, "<< /Type /Page /Parent 2 0 R \(title) >>"),
            (5, "[3 0 R /Fit]"),
            (20, holder),
        ]
        var out = Array("%PDF-1.7\n".utf8)
        if firstPage { out += Array("xref\n0 0\ntrailer\n<< /Size 21 >>\nstartxref\n0\n%%EOF\n".utf8) }
        var offsets: [Int: Int] = [:]
        for (number, body) in objects {
            offsets[number] = out.count
            out += Array("\(number) 0 obj\n\(body)\nendobj\n".utf8)
        }
        let hiddenOffset = out.indices.first { out[$0...].starts(with: Array("5 0 obj <<".utf8)) } ?? 0
        switch mode {
        case .staleAtAnotherHeader: offsets[5] = offsets[3]
        case .staleInsideAnObject: offsets[5] = (offsets[20] ?? 0) + 12
        case .missingEntry: offsets[5] = nil
        case .entryAtTheHiddenHeader: offsets[5] = hiddenOffset
        default: break
        }
        guard mode != .noXref else { return out + Array("trailer\n<< /Size 21 /Root 1 0 R >>\n%%EOF\n".utf8) }
        let start = out.count
        var table = "xref\n0 21\n0000000000 65535 f \n"
        for number in 1...20 {
            if let offset = offsets[number] {
                let digits = String(offset)
                table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
            } else {
                table += "0000000000 00000 f \n"
            }
        }
        let startxref = mode == .startxrefLeadsNowhere ? start + 3 : start
        return out + Array("\(table)trailer\n<< /Size 21 /Root 1 0 R >>\nstartxref\n\(startxref)\n%%EOF\n".utf8)
    }

    /// Where the hidden object is written inside object 20.
    static let holders: [String: String] = [
        "literal string": "<< /Info (note \(hidden)) >>",
        "string nested in a string": "<< /Info (a (b \(hidden)) c) >>",
        "hex string (bytes a hex decoder skips)": "<< /Info <\(hidden)> >>",
        "comment inside the dictionary": "<< /Info 1 % \(hidden)\n>>",
        "number written past 2^32 (pdf.js keeps the low 32 bits)": "<< /Info (note 4294967301 0 obj << /S /JavaScript /JS (x) >> endobj) >>",
    ]

    static let rebuildingModes: [Mode] = [.staleAtAnotherHeader, .staleInsideAnObject, .missingEntry, .noXref, .startxrefLeadsNowhere]

    @Test(arguments: holders.keys.sorted(), rebuildingModes)
    func objectHiddenInsideAnotherObjectCountsWhenTheXrefIsRebuilt(place: String, mode: Mode) throws {
        let holder = try #require(Self.holders[place])
        let findings = PDFActiveContent.findings(in: Self.pdf(holder: holder, mode: mode))
        #expect(findings.active.contains(Self.javaScript), "\(place), \(mode): \(findings)")
    }

    /// Controls: stream data is scanned already, and an entry naming the hidden header is read where it points.
    @Test(arguments: [Mode.staleAtAnotherHeader, .noXref, .entryAtTheHiddenHeader])
    func objectInsideStreamDataOrNamedByTheXref(mode: Mode) {
        let data = "q \(Self.hidden) Q"
        let holder = "<< /Length \(data.utf8.count) >>\nstream\n\(data)\nendstream"
        #expect(PDFActiveContent.findings(in: Self.pdf(holder: holder, mode: mode)).active.contains(Self.javaScript))
        let inString = PDFActiveContent.findings(in: Self.pdf(holder: "<< /Info (\(Self.hidden)) >>", mode: .entryAtTheHiddenHeader))
        #expect(inString.active.contains(Self.javaScript))
    }

    /// Behind an xref that holds as Airlock reads it the object counts too: pdf.js rebuilds whenever fetching the
    /// catalog throws, on bytes Airlock reads without complaint, so whether a reader rebuilds is not predicted.
    @Test(arguments: holders.keys.sorted(), [false, true])
    func objectInsideAStringCountsBehindAnXrefThatHolds(place: String, firstPage: Bool) throws {
        let findings = PDFActiveContent.findings(in: Self.pdf(holder: try #require(Self.holders[place]), mode: .valid, firstPage: firstPage))
        #expect(findings.active.contains(Self.javaScript), "\(place): \(findings)")
    }

    /// Text that reads like object headers, in a file whose xref is rebuilt, adds only harmless definitions (text
    /// after such a header that is a malformed dictionary or array is unscannable: `PDFStrayTokenTests`).
    @Test(arguments: rebuildingModes)
    func headerTextInStringsOfARebuiltFileStaysClean(mode: Mode) {
        let holder = "<< /Title (see 7 0 obj and 1 0 obj \\(the catalog\\) in the spec) /Subject (2 0 obj [ 1 ]) >>"
        let findings = PDFActiveContent.findings(in: Self.pdf(holder: holder, mode: mode, title: "/Note (3 0 obj)"))
        #expect(findings == PDFActiveContent.Findings(), "\(mode): \(findings)")
    }

    /// The same with the fixture writer's xref streams and tables: whatever the xref, the hidden object counts.
    @Test(arguments: [FixturePDF.XRef.stream, .table, .broken, .none])
    func objectHiddenBehindAnyXref(xref: FixturePDF.XRef) {
        var builder = FixturePDF.document(
            catalog: "/OpenAction 4 0 R",
            more: ["[3 0 R /Fit]", "<< /Info (note 4 0 obj << /S /JavaScript /JS (app.alert\\(1\\)) >> endobj) >>"]
        )
        builder.xref = xref
        let findings = PDFActiveContent.findings(in: builder.build())
        #expect(findings.active.contains(Self.javaScript), "\(xref): \(findings)")
    }

    /// Headers nested in strings inside strings would make reading them quadratic: the work is bounded.
    @Test func nestedHeadersAreBounded() {
        var bytes = Array("%PDF-1.7\n".utf8)
        for _ in 0..<100_000 { bytes += Array("1 0 obj (".utf8) }
        let started = Date()
        let findings = PDFActiveContent.findings(in: bytes)
        #expect(findings.unscannable.contains { $0.contains("parse limit") }, "\(findings)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    /// More raw definitions of one object than a reference may reach: unscannable, as for any redefinition.
    @Test func manyRawDefinitionsPassTheDefinitionLimit() {
        let many = String(repeating: "(5 0 obj [3 0 R /Fit] endobj) ", count: PDFActiveContent.definitionLimit + 10)
        let findings = PDFActiveContent.findings(in: Self.pdf(holder: "<< /Info [\(many)] >>", mode: .noXref))
        #expect(findings.unscannable.contains { $0.contains("references reach past the limit") }, "\(findings)")
    }
}
