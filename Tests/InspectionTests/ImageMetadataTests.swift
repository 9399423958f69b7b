import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Image ends (multi-picture JPEGs, WebP, BMP), server-side code in image metadata, `<?php` in any file's bytes, and
/// markup before a PDF header.
struct ImageMetadataTests {
    static func withFile<T>(_ bytes: [UInt8], _ body: (Int32, Int64) -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-image-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        return body(descriptor, Int64(bytes.count))
    }

    static func end(_ type: String, _ bytes: [UInt8]) throws -> ImageTrailer.End? {
        try withFile(bytes) { descriptor, size in
            var cursor = FileCursor(descriptor: descriptor, size: size)
            return ImageTrailer.end(of: type, cursor: &cursor)
        }
    }

    static func metadata(_ type: String, _ bytes: [UInt8]) throws -> [String] {
        try withFile(bytes) { descriptor, size in
            var cursor = FileCursor(descriptor: descriptor, size: size)
            let result = ImageMetadata.findings(type: type, cursor: &cursor)
            return result.findings + (result.incomplete ? ["incomplete"] : [])
        }
    }

    static func segment(_ marker: UInt8, _ data: [UInt8]) -> [UInt8] {
        [0xFF, marker, UInt8((data.count + 2) >> 8), UInt8((data.count + 2) & 0xFF)] + data
    }

    /// A minimal JPEG: SOI, the given segments, a scan, EOI.
    static func jpeg(_ segments: [UInt8] = []) -> [UInt8] {
        [0xFF, 0xD8] + segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]) + segments
            + segment(0xDA, [1, 1, 0, 0, 0x3F, 0]) + [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56] + [0xFF, 0xD9]
    }

    static let mpf = segment(0xE2, Array("MPF\0".utf8) + [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0] + [UInt8](repeating: 0, count: 16))
    static let gainMapXMP = segment(
        0xE1,
        Array(
            "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description xmlns:GContainer=\"http://ns.google.com/photos/1.0/container/\"/></x:xmpmeta>"
                .utf8
        )
    )

    @Test func multiPictureJPEGsMayAppendCompleteJPEGs() throws {
        let primary = Self.jpeg(Self.mpf)
        let pair = primary + Self.jpeg() + Self.jpeg()
        #expect(try Self.end("image/jpeg", pair) == .offset(Int64(pair.count)))
        let ultraHDR = Self.jpeg(Self.gainMapXMP) + Self.jpeg()
        #expect(try Self.end("image/jpeg", ultraHDR) == .offset(Int64(ultraHDR.count)))
        // Without a declaration, or with anything but complete JPEGs after the first, the end stays where it was.
        #expect(try Self.end("image/jpeg", Self.jpeg() + Self.jpeg()) == .offset(Int64(Self.jpeg().count)))
        #expect(try Self.end("image/jpeg", primary + Array("<?php system($_GET[1]);".utf8)) == .offset(Int64(primary.count)))
        let motion = primary + [0, 0, 0, 0x18] + Array("ftypmp42".utf8)
        #expect(try Self.end("image/jpeg", motion) == .offset(Int64(primary.count)))
        let truncated = primary + Array(Self.jpeg().dropLast(2))
        #expect(try Self.end("image/jpeg", truncated) == .offset(Int64(primary.count)))
        let trailing = primary + Self.jpeg() + Array("<script>".utf8)
        #expect(try Self.end("image/jpeg", trailing) == .offset(Int64(primary.count + Self.jpeg().count)))
    }

    static func webp(_ payload: [UInt8]) -> [UInt8] {
        let body = Array("WEBPVP8L".utf8) + [UInt8(payload.count), 0, 0, 0] + payload
        return Array("RIFF".utf8) + [UInt8(body.count & 0xFF), UInt8(body.count >> 8), 0, 0] + body
    }

    @Test func webpAndBMPEndWhereTheirHeadersSay() throws {
        let image = Self.webp([0x2F, 0, 0, 0, 0, 1])
        #expect(try Self.end("image/webp", image) == .offset(Int64(image.count)))
        #expect(try Self.end("image/webp", image + Array("<?php x();".utf8)) == .offset(Int64(image.count)))
        if case .offset = try Self.end("image/webp", Array(image.prefix(12))) { Issue.record("a truncated RIFF is not whole") }
        var bmp: [UInt8] = Array("BM".utf8) + [58, 0, 0, 0] + [UInt8](repeating: 0, count: 52)
        #expect(try Self.end("image/bmp", bmp) == .offset(58))
        bmp += Array("<?php x();".utf8)
        #expect(try Self.end("image/x-ms-bmp", bmp) == .offset(58))
        if case .offset = try Self.end("image/bmp", Array("BM".utf8) + [0xFF, 0xFF, 0, 0] + [0, 0]) {
            Issue.record("a size past the end is not whole")
        }
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let count = UInt32(data.count)
        return [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)] + Array(type.utf8) + data + [
            0, 0, 0, 0,
        ]
    }

    /// A zlib stream of one stored block.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        let adler = b << 16 | a
        let length = UInt16(data.count)
        return [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)] + data
            + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
    }

    static func png(_ chunks: [UInt8]) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]) + chunks + chunk("IEND", [])
    }

    /// A GIF with XMP as Adobe writes it: raw text after the `XMP DataXMP` identifier, then the 258-byte magic
    /// trailer that makes a sub-block walk land on the terminator.
    static func gifXMP(_ xmp: String) -> [UInt8] {
        let trailer: [UInt8] = [0x01] + (0...255).reversed().map { UInt8($0) } + [0x00]
        return Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0] + [0x21, 0xFF, 11] + Array("XMP DataXMP".utf8) + Array(xmp.utf8) + trailer + [0x3B]
    }

    /// Text metadata past the limit is not read, so it cannot be called free of code: the image is incomplete
    /// (unscannable), whether the text sits in one PNG chunk or in GIF comments.
    @Test func textMetadataPastTheLimitIsNotPassedUnread() throws {
        let filler = [UInt8](repeating: UInt8(ascii: "a"), count: ImageMetadata.textLimit)
        let code = Array("<?=`$_GET[c]`?>".utf8)
        let png = Self.png(Self.chunk("tEXt", Array("Comment\0".utf8) + filler + code))
        #expect(try Self.metadata("image/png", png) == ["incomplete"])
        var comments: [UInt8] = []
        for _ in 0..<(ImageMetadata.textLimit / 255 + 1) { comments += [255] + [UInt8](repeating: UInt8(ascii: "a"), count: 255) }
        let gif = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0] + [0x21, 0xFE] + comments + [UInt8(code.count)] + code + [0] + [0x3B]
        #expect(try Self.metadata("image/gif", gif).contains("incomplete"))
        // Within the limit nothing is flagged as incomplete.
        #expect(try Self.metadata("image/png", Self.png(Self.chunk("tEXt", Array("Comment\0plain".utf8)))) == [])
    }

    @Test func serverSideCodeInImageMetadataIsFound() throws {
        let code = Array("<?=`$_GET[c]`?>".utf8)
        for (type, bytes) in [
            ("image/png", Self.png(Self.chunk("tEXt", Array("Comment\0".utf8) + code))),
            ("image/png", Self.png(Self.chunk("zTXt", Array("Comment\0\0".utf8) + Self.zlibStored(Array("<%Runtime.exec(1);%>".utf8))))),
            ("image/png", Self.png(Self.chunk("iTXt", Array("Comment\0\u{1}\0en\0\0".utf8) + Self.zlibStored(Array("<?system(1);".utf8))))),
            ("image/png", Self.png(Self.chunk("iTXt", Array("Comment\0\0\0\0\0".utf8) + Array("<!--# exec cmd=\"id\" -->".utf8)))),
            ("image/jpeg", Self.jpeg(Self.segment(0xFE, code))),
            ("image/jpeg", Self.jpeg(Self.segment(0xE1, Array("http://ns.adobe.com/xap/1.0/\0<?xpacket begin=''?><% x(); %>".utf8)))),
            ("image/gif", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0] + [0x21, 0xFE, UInt8(code.count)] + code + [0] + [0x3B]),
            ("image/gif", Self.gifXMP("<?xpacket begin=''?><x:xmpmeta><?=`id`?></x:xmpmeta><?xpacket end='w'?>")),
        ] as [(String, [UInt8])] {
            #expect(!(try Self.metadata(type, bytes)).isEmpty, "\(type) \(bytes)")
        }
        for (type, bytes) in [
            ("image/png", Self.png(Self.chunk("tEXt", Array("Software\0GIMP 2.10 <5% noise".utf8)))),
            (
                "image/jpeg",
                Self.jpeg(
                    Self.segment(0xE1, Array("http://ns.adobe.com/xap/1.0/\0<?xpacket begin='' id='W5M0'?><x:xmpmeta/><?xpacket end='w'?>".utf8))
                )
            ),
            ("image/jpeg", Self.jpeg(Self.segment(0xE1, Array("Exif\0\0MM<?x<%a%>".utf8)))),  // binary EXIF is left to the raw scan
            ("image/gif", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0] + [0x21, 0xFE, 5] + Array("hello".utf8) + [0] + [0x3B]),
            ("image/gif", Self.gifXMP("<?xpacket begin='' id='W5M0'?><x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF/></x:xmpmeta><?xpacket end='w'?>")),
        ] as [(String, [UInt8])] {
            let found = try Self.metadata(type, bytes)
            #expect(found.isEmpty, "\(type) \(found)")
        }
    }

    @Test func aPHPOpenTagAnywhereInTheBytesIsFound() throws {
        var noise = [UInt8](repeating: 0, count: 3 << 20)
        var state: UInt32 = 12345
        for index in noise.indices {
            state = state &* 1_103_515_245 &+ 12345
            noise[index] = UInt8(truncatingIfNeeded: state >> 16)
        }
        #expect(try Self.withFile(noise) { RawCode.phpCode(descriptor: $0, size: $1) } == .clean)
        for tail in ["<?php system(1);", "<?PHP\nx", "<?pHp\tx", "<<?php x"] {
            var bytes = noise
            // Across the 1 MiB read boundary too.
            bytes.replaceSubrange((1 << 20) - 2..<((1 << 20) - 2 + tail.utf8.count), with: Array(tail.utf8))
            #expect(try Self.withFile(bytes) { RawCode.phpCode(descriptor: $0, size: $1) } == .openTag, "\(tail)")
        }
        // With short tags on (PHP's default), `<?phpx` and `<? php` are a short open tag and a constant: they compile,
        // but run nothing.
        for text in ["<?phpx", "<?ph p", "<?php", "<? php "] {
            #expect(try Self.withFile(Array(text.utf8)) { RawCode.phpCode(descriptor: $0, size: $1) } == .clean, "\(text)")
        }
        #expect(try Self.withFile(Array("<?phpinfo();".utf8)) { RawCode.phpCode(descriptor: $0, size: $1) } == .shortOpenTag)
        // Bytes that cannot be read are not "no code": a descriptor that is not open fails closed.
        #expect(RawCode.phpCode(descriptor: -1, size: 16) == .unreadable)
    }

    @Test func markupBeforeAPDFHeaderIsFound() {
        let pdf = Array("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n".utf8)
        for prefix in ["<?php system($_GET[1]); __halt_compiler(); ?>\n", "<html><script>x()</script>\n", "junk <b>\n"] {
            #expect(PDFActiveContent.prefixFinding(Array(prefix.utf8) + pdf) != nil, "\(prefix)")
        }
        for prefix in ["", "\n\n  \r\n", "binary junk without angle brackets\n"] {
            #expect(PDFActiveContent.prefixFinding(Array(prefix.utf8) + pdf) == nil, "\(prefix)")
        }
    }
}
