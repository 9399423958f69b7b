import CZlib

@testable import Inspection

/// Writes small PDFs for tests: numbered object bodies, a classic xref table or an xref stream, object streams,
/// incremental updates, junk before the header and broken cross-reference data.
struct FixturePDF {
    enum XRef {
        case table
        case stream
        case broken
        case none
    }

    /// Object bodies by number (1-based order); a body is everything between `n 0 obj` and `endobj`.
    var objects: [(number: Int, body: [UInt8])] = []
    var trailerExtra = ""
    var root = 1
    var header = "%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n"
    var prefix = ""
    var xref = XRef.table
    /// Object numbers to put into one Flate object stream (with a PNG predictor on the xref stream when `.stream`).
    var compressed: Set<Int> = []
    var objectStreamFilter = "FlateDecode"
    /// More entries for the object stream's dictionary.
    var objectStreamExtra = ""
    /// The number the object stream's header gives an object, where it differs from the one the xref gives it.
    var streamHeaderNumbers: [Int: Int] = [:]

    init(_ bodies: [String]) {
        for (index, body) in bodies.enumerated() { objects.append((index + 1, Array(body.utf8))) }
    }

    mutating func add(_ number: Int, _ body: String) { objects.append((number, Array(body.utf8))) }

    static func stream(_ dictionary: String, _ data: [UInt8]) -> [UInt8] {
        let open = dictionary.hasSuffix(">>") ? String(dictionary.dropLast(2)) : dictionary
        return Array("\(open) /Length \(data.count) >>\nstream\n".utf8) + data + Array("\nendstream".utf8)
    }

    static func stream(_ dictionary: String, _ text: String) -> String {
        String(decoding: stream(dictionary, Array(text.utf8)), as: UTF8.self)
    }

    static func deflate(_ data: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { output in
            data.withUnsafeBufferPointer { input in
                compress2(output.baseAddress, &length, input.baseAddress, uLong(data.count), 9)
            }
        }
        precondition(status == Z_OK)
        return Array(out.prefix(Int(length)))
    }

    static func ascii85(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            let chunk = Array(data[index..<min(index + 4, data.count)])
            var value: UInt32 = 0
            for offset in 0..<4 { value = value << 8 | UInt32(offset < chunk.count ? chunk[offset] : 0) }
            if value == 0, chunk.count == 4 {
                out.append(UInt8(ascii: "z"))
            } else {
                var digits = [UInt8](repeating: 0, count: 5)
                for position in stride(from: 4, through: 0, by: -1) {
                    digits[position] = UInt8(value % 85) + 0x21
                    value /= 85
                }
                out += digits.prefix(chunk.count + 1)
            }
            index += 4
        }
        return out + Array("~>".utf8)
    }

    func build() -> [UInt8] {
        var out = Array(prefix.utf8) + Array(header.utf8)
        var offsets: [Int: (type: Int, value: Int, index: Int)] = [:]
        let direct = objects.filter { !compressed.contains($0.number) }
        let packed = objects.filter { compressed.contains($0.number) }
        let maxNumber = (objects.map(\.number).max() ?? 0) + 2
        for object in direct {
            offsets[object.number] = (1, out.count, 0)
            out += Array("\(object.number) 0 obj\n".utf8) + object.body + Array("\nendobj\n".utf8)
        }
        if !packed.isEmpty {
            let streamNumber = maxNumber - 1
            var headerText = ""
            var body: [UInt8] = []
            for (index, object) in packed.enumerated() {
                headerText += "\(streamHeaderNumbers[object.number] ?? object.number) \(body.count) "
                body += object.body + [0x0A]
                offsets[object.number] = (2, streamNumber, index)
            }
            let first = headerText.utf8.count
            var data = Array(headerText.utf8) + body
            var filter = "/Filter /\(objectStreamFilter)"
            switch objectStreamFilter {
            case "FlateDecode": data = Self.deflate(data)
            case "FlatePNG":
                // PNG Up predictor over 8-byte rows, then Flate.
                let columns = 8
                var rows: [UInt8] = []
                var previous = [UInt8](repeating: 0, count: columns)
                var index = 0
                while index < data.count {
                    var row = [UInt8](repeating: 0, count: columns)
                    for column in 0..<columns where index + column < data.count { row[column] = data[index + column] }
                    rows.append(2)
                    for column in 0..<columns { rows.append(row[column] &- previous[column]) }
                    previous = row
                    index += columns
                }
                data = Self.deflate(rows)
                filter = "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns \(columns) >>"
            case "ASCII85Decode":
                data = Self.ascii85(data)
            case "ASCIIHexDecode":
                data =
                    Array(
                        data.map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
                            .utf8
                    ) + [0x3E]
            default: filter = ""
            }
            offsets[streamNumber] = (1, out.count, 0)
            out += Array("\(streamNumber) 0 obj\n".utf8)
            out += Self.stream("<< /Type /ObjStm /N \(packed.count) /First \(first) \(filter) \(objectStreamExtra) >>", data)
            out += Array("\nendobj\n".utf8)
        }
        let size = maxNumber + 1
        switch xref {
        case .table, .broken:
            let start = out.count
            out += Array("xref\n0 \(size)\n0000000000 65535 f \n".utf8)
            for number in 1..<size {
                var offset = 0
                if let entry = offsets[number], entry.type == 1 { offset = entry.value }
                if xref == .broken { offset = offset &* 7 &+ 13 }
                let digits = String(offset)
                out += Array((String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n").utf8)
            }
            out += Array(
                "trailer\n<< /Size \(size) /Root \(root) 0 R \(trailerExtra) >>\nstartxref\n\(xref == .broken ? start + 5 : start)\n%%EOF\n".utf8
            )
        case .stream:
            let xrefNumber = maxNumber
            let start = out.count
            offsets[xrefNumber] = (1, start, 0)
            // Rows: type (1), offset (4), index (2); PNG Up predictor.
            var rows: [UInt8] = []
            var previous = [UInt8](repeating: 0, count: 7)
            for number in 0...xrefNumber {
                var row: [UInt8]
                if let entry = offsets[number] {
                    let value = UInt32(entry.value)
                    row = [
                        UInt8(entry.type), UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                        UInt8(truncatingIfNeeded: value), UInt8(entry.index >> 8), UInt8(truncatingIfNeeded: entry.index),
                    ]
                } else {
                    row = [0, 0, 0, 0, 0, 0xFF, 0xFF]
                }
                rows.append(2)
                for (column, byte) in row.enumerated() { rows.append(byte &- previous[column]) }
                previous = row
            }
            out += Array("\(xrefNumber) 0 obj\n".utf8)
            out += Self.stream(
                "<< /Type /XRef /Size \(xrefNumber + 1) /W [1 4 2] /Root \(root) 0 R \(trailerExtra) /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >> >>",
                Self.deflate(rows)
            )
            out += Array("\nendobj\nstartxref\n\(start)\n%%EOF\n".utf8)
        case .none:
            out += Array("trailer\n<< /Root \(root) 0 R \(trailerExtra) >>\n%%EOF\n".utf8)
        }
        return out
    }

    /// A later revision appended to `base`: the given objects redefined, with a new xref section and trailer.
    static func update(_ base: [UInt8], objects: [(Int, String)], root: Int = 1) -> [UInt8] {
        var out = base
        var entries = ""
        for (number, body) in objects {
            let offset = out.count
            out += Array("\(number) 0 obj\n\(body)\nendobj\n".utf8)
            let digits = String(offset)
            entries += "\(number) 1\n" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n"
        }
        let start = out.count
        out += Array("xref\n\(entries)trailer\n<< /Size 100 /Root \(root) 0 R >>\nstartxref\n\(start)\n%%EOF\n".utf8)
        return out
    }

    /// Catalog, pages and one page; `catalogExtra` and `pageExtra` go into those dictionaries; more objects from 4.
    static func document(catalog catalogExtra: String = "", page pageExtra: String = "", more: [String] = []) -> FixturePDF {
        var builder = FixturePDF([
            "<< /Type /Catalog /Pages 2 0 R \(catalogExtra) >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792] >>",
            "<< /Type /Page /Parent 2 0 R \(pageExtra) >>",
        ])
        for (index, body) in more.enumerated() { builder.add(index + 4, body) }
        return builder
    }
}
