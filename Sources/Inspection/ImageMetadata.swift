#if canImport(Glibc)
import Glibc
#endif

/// Server-side code carried in an image's text metadata: a server that includes or runs an uploaded image (a PHP
/// `include` of an avatar, a misconfigured handler) runs what its text chunks hold.
///
/// Text containers are read and judged by the text rules for server-side code (``TextActiveContent``): PNG `tEXt`,
/// `zTXt` and `iTXt` (compressed text inflated, bounded), JPEG `COM` and XMP (`APP1`), GIF comment and application
/// extensions. XML and XMP processing instructions (`<?xml`, `<?xpacket`) are not PHP. Binary segments (EXIF, ICC,
/// MPF) are left to ``RawCode``: their bytes hold `<?` and `<%` by chance. Linear and bounded: at most
/// ``textLimit`` bytes of text in all; text beyond it is not inspected, so the image is `unscannable`.
enum ImageMetadata {
    static let textLimit = 16 << 20

    /// Findings, and whether some text metadata was past ``textLimit`` and went unread (the caller fails closed).
    static func findings(type: String, cursor: inout FileCursor, limit: Int = 5) -> (findings: [String], incomplete: Bool) {
        var texts: [[UInt8]] = []
        var incomplete = false
        switch type {
        case "image/png": texts = png(&cursor, incomplete: &incomplete)
        case "image/jpeg": texts = jpeg(&cursor)
        case "image/gif": texts = gif(&cursor, incomplete: &incomplete)
        default: return ([], false)
        }
        var findings: [String] = []
        for text in texts {
            for finding in TextActiveContent.serverSideFindings(MarkupActiveContent.utf8Text(text), metadata: true) where findings.count < limit {
                let located = "image metadata holds \(finding)"
                if !findings.contains(located) { findings.append(located) }
            }
        }
        return (findings, incomplete)
    }

    /// The text of tEXt, zTXt and iTXt chunks (keyword included; compressed text inflated).
    static func png(_ cursor: inout FileCursor, incomplete: inout Bool) -> [[UInt8]] {
        var texts: [[UInt8]] = []
        var budget = textLimit
        guard cursor.seek(to: 8) else { return [] }
        for _ in 0..<1_000_000 {
            guard let length = cursor.uint32BigEndian(), let type = cursor.bytes(4), length <= cursor.remaining else { break }
            let kind = String(decoding: type, as: UTF8.self)
            let next = cursor.position + length + 4
            let isText = ["tEXt", "zTXt", "iTXt"].contains(kind)
            if isText, length > Int64(budget) { incomplete = true }
            if isText, length <= Int64(budget), let data = read(&cursor, Int(length)) {
                budget -= data.count
                var text = data
                if let nul = data.firstIndex(of: 0) {
                    let keyword = Array(data[..<nul])
                    if kind == "zTXt", nul + 2 <= data.count {
                        text = keyword + inflated(data[(nul + 2)...], budget: &budget)
                    } else if kind == "iTXt", nul + 2 < data.count, data[nul + 1] == 1 {
                        // keyword, flag, method, language\0, translated keyword\0, text
                        var rest = data[(nul + 3)...]
                        for _ in 0..<2 { if let end = rest.firstIndex(of: 0) { rest = rest[(end + 1)...] } }
                        text = keyword + inflated(rest, budget: &budget)
                    }
                }
                texts.append(text)
            }
            guard cursor.seek(to: next) else { break }
            if type == Array("IEND".utf8) { break }
        }
        return texts
    }

    /// COM segments and XMP (APP1 `http://ns.adobe.com/...`) up to the first scan.
    static func jpeg(_ cursor: inout FileCursor) -> [[UInt8]] {
        var texts: [[UInt8]] = []
        guard cursor.seek(to: 2) else { return [] }
        while let prefix = cursor.byte(), prefix == 0xFF {
            var marker: UInt8 = 0xFF
            while marker == 0xFF {
                guard let next = cursor.byte() else { return texts }
                marker = next
            }
            if marker == 0xD9 || marker == 0xDA { break }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { continue }
            guard let length = cursor.uint16BigEndian(), length >= 2, let data = cursor.bytes(length - 2) else { break }
            if marker == 0xFE || (marker == 0xE1 && data.starts(with: Array("http://ns.adobe.com/".utf8))) { texts.append(data) }
        }
        return texts
    }

    /// Comment (`21 FE`) and application (`21 FF`) extensions, their sub-blocks joined.
    static func gif(_ cursor: inout FileCursor, incomplete: inout Bool) -> [[UInt8]] {
        var texts: [[UInt8]] = []
        var budget = textLimit
        guard cursor.seek(to: 10), let flags = cursor.byte(), cursor.skip(2) else { return [] }
        if flags & 0x80 != 0, !cursor.skip(3 << (Int64(flags & 0x07) + 1)) { return [] }
        func subBlocks(_ cursor: inout FileCursor, keep: Bool) -> [UInt8]? {
            var data: [UInt8] = []
            while true {
                guard let size = cursor.byte() else { return nil }
                if size == 0 { return data }
                if keep, budget <= 0 { incomplete = true }
                if keep, budget > 0, let block = cursor.bytes(Int(size)) {
                    data += block
                    budget -= Int(size)
                } else if !cursor.skip(Int64(size)) {
                    return nil
                }
            }
        }
        while let introducer = cursor.byte() {
            switch introducer {
            case 0x21:
                guard let label = cursor.byte() else { return texts }
                var rawXMP = false
                if label == 0xFF {
                    // XMP (`XMP DataXMP`) is written raw after its identifier, its bytes read as sub-block sizes
                    // only to skip it; its text runs to the "magic trailer" (bytes 0x01, 0xFF … 0x00).
                    let start = cursor.position
                    if cursor.byte() == 11, cursor.bytes(11) == Array("XMP DataXMP".utf8) {
                        var xmp: [UInt8] = []
                        while let byte = cursor.byte(), byte > 0x01 {
                            guard budget > 0 else {
                                incomplete = true
                                break
                            }
                            xmp.append(byte)
                            budget -= 1
                        }
                        texts.append(xmp)
                        rawXMP = true
                    }
                    guard cursor.seek(to: start) else { return texts }
                }
                // Raw XMP's sub-block view is bytes with some taken as sizes: not text to judge.
                let keep = label == 0xFE || (label == 0xFF && !rawXMP)
                guard let data = subBlocks(&cursor, keep: keep) else { return texts }
                if keep { texts.append(data) }
            case 0x2C:
                guard cursor.skip(8), let local = cursor.byte() else { return texts }
                if local & 0x80 != 0, !cursor.skip(3 << (Int64(local & 0x07) + 1)) { return texts }
                guard cursor.byte() != nil, subBlocks(&cursor, keep: false) != nil else { return texts }
            default:
                return texts
            }
        }
        return texts
    }

    private static func read(_ cursor: inout FileCursor, _ count: Int) -> [UInt8]? {
        var data: [UInt8] = []
        data.reserveCapacity(count)
        while data.count < count {
            guard let chunk = cursor.bytes(min(1 << 16, count - data.count)) else { return nil }
            data += chunk
        }
        return data
    }

    /// zlib-inflated bytes within `budget` (what inflated before a failure or the budget, as far as it got).
    private static func inflated(_ input: ArraySlice<UInt8>, budget: inout Int) -> [UInt8] {
        guard budget > 0 else { return [] }
        let inflater = Inflater(format: .zlib, limit: Int64(budget))
        var result: [UInt8] = []
        _ = Array(input).withUnsafeBytes { bytes in
            inflater.feed(bytes) { chunk in
                result.append(contentsOf: chunk)
                return true
            }
        }
        budget -= result.count
        return result
    }
}
