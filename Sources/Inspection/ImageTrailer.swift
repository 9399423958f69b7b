/// Where an image format says the image ends. Bytes after that end are how polyglots work (a PNG that is also a
/// zip, a GIF that is also JavaScript): libmagic reads only the start and names the image (docs/inspection.md).
enum ImageTrailer {
    /// The end offset of the image for the formats Airlock walks, `nil` for other types, or `.malformed` when the
    /// structure does not hold together.
    enum End: Equatable {
        case offset(Int64)
        case malformed(String)
    }

    /// Padding after the end that is not a payload: at most ``shortTail`` bytes of anything (cameras write a stray
    /// byte; nothing runs from two bytes), or at most ``paddingLimit`` bytes that are all 0x00 or all 0xFF (fill
    /// written by cameras and tools up to a block boundary). Anything else after the end is a polyglot.
    static let shortTail: Int64 = 2
    static let paddingLimit: Int64 = 64 << 10

    /// Also tolerated after a GIF's trailer: one comment extension (`21 FE`, as old animation tools append their
    /// signature) of at most ``commentLimit`` bytes whose text is letters, digits, spaces and `.,()@-:/_`:
    /// nothing markup or script needs (`<`, `>`, `=`, `;`, quotes, braces) can be in it.
    static let commentLimit: Int64 = 256

    static func isPadding(descriptor: Int32, from end: Int64, size: Int64) -> Bool {
        let count = size - end
        if count <= shortTail { return true }
        guard count <= paddingLimit else { return false }
        var cursor = FileCursor(descriptor: descriptor, size: size)
        guard cursor.seek(to: end), let tail = cursor.bytes(Int(count)), let first = tail.first else { return false }
        if first == 0x00 || first == 0xFF { return tail.allSatisfy { $0 == first } }
        return count <= commentLimit && isInertGIFComment(tail)
    }

    static func isInertGIFComment(_ tail: [UInt8]) -> Bool {
        guard tail.count > 2, tail[0] == 0x21, tail[1] == 0xFE else { return false }
        let inert = Set(" .,()@-:/_".utf8)
        return tail.dropFirst(2).allSatisfy { byte in
            byte == 0 || (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || inert.contains(byte)
        }
    }

    static func end(of mediaType: String, cursor: inout FileCursor) -> End? {
        switch mediaType {
        case "image/png": return png(&cursor)
        case "image/jpeg": return jpeg(&cursor)
        case "image/gif": return gif(&cursor)
        case "image/webp": return riff(&cursor)
        case "image/bmp", "image/x-ms-bmp": return bmp(&cursor)
        default: return nil
        }
    }

    /// Chunks until IEND (length, type, data, CRC each).
    static func png(_ cursor: inout FileCursor) -> End {
        guard cursor.seek(to: 8) else { return .malformed("shorter than the PNG signature") }
        for _ in 0..<1_000_000 {
            guard let length = cursor.uint32BigEndian(), let type = cursor.bytes(4), length <= cursor.remaining else {
                return .malformed("a PNG chunk runs past the end of the file")
            }
            guard cursor.skip(length + 4) else { return .malformed("a PNG chunk runs past the end of the file") }
            if type == Array("IEND".utf8) { return .offset(cursor.position) }
        }
        return .malformed("too many PNG chunks")
    }

    /// WebP: the RIFF container's size field (little-endian, after `RIFF`) plus its 8-byte header, padded to even.
    static func riff(_ cursor: inout FileCursor) -> End {
        guard cursor.seek(to: 4), let size = cursor.bytes(4) else { return .malformed("shorter than a RIFF header") }
        let length = Int64(size[0]) | Int64(size[1]) << 8 | Int64(size[2]) << 16 | Int64(size[3]) << 24
        let end = 8 + length + (length & 1)
        guard length >= 4, end <= cursor.size || (length & 1 == 1 && end - 1 == cursor.size) else {
            return .malformed("the RIFF size runs past the end of the file")
        }
        return .offset(min(end, cursor.size))
    }

    /// BMP: the file size in its header (little-endian, after `BM`).
    static func bmp(_ cursor: inout FileCursor) -> End {
        guard cursor.seek(to: 2), let size = cursor.bytes(4) else { return .malformed("shorter than a BMP header") }
        let length = Int64(size[0]) | Int64(size[1]) << 8 | Int64(size[2]) << 16 | Int64(size[3]) << 24
        guard length >= 26, length <= cursor.size else { return .malformed("the BMP file size field (\(length)) does not fit the file") }
        return .offset(length)
    }

    /// Further JPEGs a multi-picture file may append after the first image's EOI.
    static let appendedImageLimit = 16

    /// The end of a JPEG. A primary image that declares further images (an MPF `APP2` segment: MPO stereo pairs,
    /// Ultra HDR gain maps; or a Google container directory in its XMP: Ultra HDR and gain-map JPEGs) may be followed
    /// by up to ``appendedImageLimit`` complete JPEGs, each walked to its own EOI; the end is then the last one's.
    /// Anything else after the first EOI (a Motion Photo's MP4, a script) is left after the end: a polyglot.
    static func jpeg(_ cursor: inout FileCursor) -> End {
        var declares = false
        let primary = jpegImage(&cursor, from: 0, declaresMore: &declares)
        guard case .offset(var end) = primary, declares else { return primary }
        var ignored = false
        for _ in 0..<appendedImageLimit {
            guard end + 4 <= cursor.size, cursor.seek(to: end), cursor.byte() == 0xFF, cursor.byte() == 0xD8,
                case .offset(let next) = jpegImage(&cursor, from: end, declaresMore: &ignored)
            else { break }
            end = next
        }
        return .offset(end)
    }

    /// Marker segments until SOS, entropy-coded data until EOI (0xFFD9), then again for progressive frames; notes
    /// whether the image declares further images appended to it.
    static func jpegImage(_ cursor: inout FileCursor, from start: Int64, declaresMore: inout Bool) -> End {
        guard cursor.seek(to: start + 2) else { return .malformed("shorter than the JPEG signature") }
        while true {
            guard let prefix = cursor.byte() else { return .malformed("the JPEG ends without an EOI marker") }
            guard prefix == 0xFF else { return .malformed("expected a JPEG marker") }
            var marker: UInt8 = 0xFF
            while marker == 0xFF {
                guard let next = cursor.byte() else { return .malformed("the JPEG ends inside a marker") }
                marker = next
            }
            switch marker {
            case 0xD9:
                return .offset(cursor.position)
            case 0xD0...0xD7, 0x01:
                continue
            case 0xDA:
                // Start of scan: header, then entropy-coded data up to the next marker that is not a stuffed 0xFF00
                // or a restart marker.
                guard let length = cursor.uint16BigEndian(), length >= 2, cursor.skip(Int64(length - 2)) else {
                    return .malformed("a JPEG scan header runs past the end")
                }
                while true {
                    guard let value = cursor.byte() else { return .malformed("the JPEG ends inside scan data") }
                    guard value == 0xFF else { continue }
                    guard let next = cursor.byte() else { return .malformed("the JPEG ends inside scan data") }
                    if next == 0x00 || (0xD0...0xD7).contains(next) || next == 0xFF {
                        if next == 0xFF { _ = cursor.seek(to: cursor.position - 1) }
                        continue
                    }
                    _ = cursor.seek(to: cursor.position - 2)
                    break
                }
            case 0xE1, 0xE2:
                guard let length = cursor.uint16BigEndian(), length >= 2, let data = cursor.bytes(length - 2) else {
                    return .malformed("a JPEG segment runs past the end")
                }
                if marker == 0xE2, data.starts(with: Array("MPF\0".utf8)) { declaresMore = true }
                if marker == 0xE1, data.starts(with: Array("http://ns.adobe.com/xap/1.0/".utf8)),
                    contains(data, Array("GContainer".utf8)) || contains(data, Array("ns.google.com/photos/1.0/container".utf8))
                {
                    declaresMore = true
                }
            default:
                guard let length = cursor.uint16BigEndian(), length >= 2, cursor.skip(Int64(length - 2)) else {
                    return .malformed("a JPEG segment runs past the end")
                }
            }
        }
    }

    /// Header, color tables, extensions and images (each with sub-blocks) until the 0x3B trailer.
    static func gif(_ cursor: inout FileCursor) -> End {
        guard cursor.seek(to: 10), let flags = cursor.byte(), cursor.skip(2) else { return .malformed("shorter than a GIF header") }
        if flags & 0x80 != 0, !cursor.skip(3 << (Int64(flags & 0x07) + 1)) { return .malformed("the global color table runs past the end") }
        func skipSubBlocks(_ cursor: inout FileCursor) -> Bool {
            while true {
                guard let size = cursor.byte() else { return false }
                if size == 0 { return true }
                guard cursor.skip(Int64(size)) else { return false }
            }
        }
        while true {
            guard let introducer = cursor.byte() else { return .malformed("the GIF ends without a trailer") }
            switch introducer {
            case 0x3B:
                return .offset(cursor.position)
            case 0x21:
                guard cursor.byte() != nil, skipSubBlocks(&cursor) else { return .malformed("a GIF extension runs past the end") }
            case 0x2C:
                guard cursor.skip(8), let local = cursor.byte() else { return .malformed("a GIF image descriptor runs past the end") }
                if local & 0x80 != 0, !cursor.skip(3 << (Int64(local & 0x07) + 1)) { return .malformed("a local color table runs past the end") }
                guard cursor.byte() != nil, skipSubBlocks(&cursor) else { return .malformed("GIF image data runs past the end") }
            default:
                return .malformed("an unknown GIF block 0x\(String(introducer, radix: 16))")
            }
        }
    }

    /// Whether `needle` occurs in `haystack` (both short: one segment).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
