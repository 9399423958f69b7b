import Foundation
import Testing

@testable import Inspection

/// Stream decoding parameters are read exactly as written or not at all: a value Airlock clamped, rounded or chose
/// differently from a reader would let the reader decode other bytes than the ones Airlock judged (an object stream
/// holding a JavaScript OpenAction for pdf.js and junk for Airlock).
@Suite struct PDFDecodingParameterTests {
    /// PNG "Up" rows (type 2) of `rowLength` bytes over `data`.
    static func pngUp(_ data: [UInt8], rowLength: Int) -> [UInt8] {
        var out: [UInt8] = []
        var previous = [UInt8](repeating: 0, count: rowLength)
        var index = 0
        while index < data.count {
            let row = (0..<rowLength).map { index + $0 < data.count ? data[index + $0] : 0 }
            out.append(2)
            out += zip(row, previous).map { $0 &- $1 }
            previous = row
            index += rowLength
        }
        return out
    }

    static func decode(_ data: [UInt8], _ parameters: [String: PDFValue]) -> Result<[UInt8], PDFFilters.Failure> {
        PDFFilters.predict(data, parameters, budget: 1 << 24)
    }

    @Test(arguments: [(1, 8, 16), (64, 8, 1), (65, 8, 1), (128, 8, 1), (1000, 8, 1), (3, 16, 7), (100, 1, 9)])
    func predictorRowsAreAsWideAsTheParametersSayHoweverWide(colors: Int, bits: Int, columns: Int) throws {
        let rowLength = (colors * bits * columns + 7) / 8
        let payload = (0..<(rowLength * 3 + 5)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let encoded = Self.pngUp(payload, rowLength: rowLength)
        let parameters: [String: PDFValue] = [
            "Predictor": .integer(12), "Colors": .integer(colors), "BitsPerComponent": .integer(bits), "Columns": .integer(columns),
        ]
        let decoded = try Self.decode(encoded, parameters).get()
        // Whole rows of the padded payload; the last row padded with zeros by the encoder.
        #expect(Array(decoded.prefix(payload.count)) == payload, "colors \(colors)")
    }

    @Test(arguments: [
        ("Colors", PDFValue.integer(0)), ("Colors", .integer(-3)), ("Colors", .real(1.5)), ("Colors", .name("One")),
        ("Columns", .integer(0)), ("Columns", .real(7.25)), ("BitsPerComponent", .integer(3)), ("BitsPerComponent", .integer(32)),
        ("Predictor", .integer(9)), ("Predictor", .integer(16)), ("Predictor", .real(12.5)), ("Predictor", .string([0x31])),
    ])
    func parametersReadersDecodeDifferentlyAreUnsupported(key: String, value: PDFValue) {
        var parameters: [String: PDFValue] = ["Predictor": .integer(12), "Columns": .integer(4)]
        parameters[key] = value
        guard case .failure(.unsupported) = Self.decode(Self.pngUp(Array(repeating: 7, count: 16), rowLength: 4), parameters) else {
            Issue.record("/\(key) \(value) was decoded")
            return
        }
    }

    @Test func wholeRealsAreTheirIntegers() throws {
        let encoded = Self.pngUp(Array(0..<24), rowLength: 8)
        let decoded = try Self.decode(encoded, ["Predictor": .real(12), "Columns": .real(8)]).get()
        #expect(decoded == Array(0..<24))
    }

    @Test(arguments: [PDFValue.integer(2), .integer(-1), .real(0.5)])
    func lzwEarlyChangeOtherThanZeroOrOneIsUnsupported(value: PDFValue) {
        var truncated = false
        let result = PDFFilters.decode(
            [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01],
            filters: ["LZWDecode"],
            parameters: [["EarlyChange": value]],
            budget: 1 << 20,
            truncated: &truncated
        )
        guard case .failure(.unsupported) = result else {
            Issue.record("EarlyChange \(value) was decoded: \(result)")
            return
        }
    }

    static let hiddenAction = "<< /S /JavaScript /JS (app.alert(1)) >>"

    /// A document whose OpenAction object sits in a PNG-predicted Flate object stream with `extra` entries.
    static func objectStreamDocument(extra: String) -> [UInt8] {
        var builder = FixturePDF.document(catalog: "/OpenAction 4 0 R", more: [Self.hiddenAction])
        builder.compressed = [4]
        builder.xref = .stream
        builder.objectStreamFilter = "FlatePNG"
        builder.objectStreamExtra = extra
        return builder.build()
    }

    @Test func anObjectStreamWithBothDecodeParmsAndDPIsUnscannable() {
        // pdf.js reads /DP first, Airlock read /DecodeParms: the two readings of the data differ.
        let findings = PDFActiveContent.findings(in: Self.objectStreamDocument(extra: "/DP << /Predictor 1 >>"))
        #expect(findings.unscannable.contains { $0.contains("both /DecodeParms and /DP") }, "\(findings)")
    }

    @Test func aFilterArrayWithSomethingOtherThanNamesIsUnscannable() {
        // `/Filter /FlateDecode` becomes `/Filter [/FlateDecode 7]`.
        let text = String(decoding: Self.objectStreamDocument(extra: ""), as: UTF8.self)
            .replacingOccurrences(of: "/Filter /FlateDecode /DecodeParms", with: "/Filter [/FlateDecode 7] /DecodeParms")
        let findings = PDFActiveContent.findings(in: Array(text.utf8))
        #expect(findings.unscannable.contains { $0.contains("something other than filter names") }, "\(findings)")
    }

    @Test(arguments: ["12", "(go)", "/Name", "true", "3.5"])
    func anOpenActionThatIsNeitherAnActionNorADestinationIsUnscannable(value: String) {
        let findings = PDFActiveContent.findings(in: FixturePDF.document(catalog: "/OpenAction 4 0 R", more: [value]).build())
        #expect(findings.unscannable.contains { $0.contains("neither an action nor a destination") }, "\(findings)")
    }

    @Test func ordinaryOpenActionsStayClean() {
        for value in ["[3 0 R /Fit]", "<< /S /GoTo /D [3 0 R /XYZ 0 792 0] >>", "null"] {
            let findings = PDFActiveContent.findings(in: FixturePDF.document(catalog: "/OpenAction 4 0 R", more: [value]).build())
            #expect(findings.active.isEmpty && findings.unscannable.isEmpty, "\(value): \(findings)")
        }
    }
}
