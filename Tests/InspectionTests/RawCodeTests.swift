import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// PHP code in the raw bytes of files that are not text: `<?php` and a blank, or `<?=` followed by code PHP would
/// compile, wherever it sits (scan data, EXIF, IPTC, a second JPEG, a stored IDAT, WebP XMP, a PDF stream).
struct RawCodeTests {
    static func outcome(_ bytes: [UInt8]) throws -> RawCode.Outcome {
        try ImageMetadataTests.withFile(bytes) { RawCode.phpCode(descriptor: $0, size: $1) }
    }

    /// Pseudo-random bytes without `<` (no opener by chance).
    static func noise(_ count: Int, seed: UInt32 = 7) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            let byte = UInt8(truncatingIfNeeded: state >> 16)
            return byte == 0x3C ? 0x3B : byte
        }
    }

    static let code: [[UInt8]] = [
        Array("<?=`$_GET[0]`?>".utf8),
        Array("<?= system($_GET[1]) ?>".utf8),
        Array("<?=\tinclude'x'\r\n?>".utf8),
        Array("<?=/*".utf8) + [0, 1, 0xFF, 0x7F] + Array("*/system(1);?>".utf8),  // binary in a comment
        Array("<?=#".utf8) + [1, 2] + Array("\nsystem(1)?>".utf8),
        Array("<?='".utf8) + [1, 0x27 - 1, 0x5C, 0x27] + Array("'.system(1)?>".utf8),  // binary and an escaped quote in a string
        Array("<?=\"".utf8) + [1] + Array("{${system('id')}}\"?>".utf8),  // interpolation
        Array("<?=\"{${\"".utf8) + [1] + Array("\"}}{$a[system(1)]}\"?>".utf8),  // a string in an interpolation
        Array("<?=\"\\${".utf8) + [1] + Array("}\\{$a}\";system(1)?>".utf8),  // `\$` is not interpolated, `\{$` is
        Array("<?=<<<A\n".utf8) + [1] + Array("\nA;\n?>".utf8),  // a heredoc
        Array("<?=1;#[A(\"\n".utf8) + [1] + Array("\")]\nfunction f() {}\nsystem(1)?>".utf8),  // a PHP 8 attribute
        Array("<?='x';__HALT_COMPILER();".utf8) + [1, 2, 0],
        [0x3C, 0x3F, 0x3D, 0x80, 0xFF, 0x28, 0x29, 0x3F, 0x3E],  // a name of bytes 0x80-0xFF, called
    ]

    /// `<?=` that PHP cannot compile, and other processing instructions.
    static let notCode: [[UInt8]] = [
        Array("<?= ?>".utf8),
        Array("<?=;?>".utf8),
        Array("<?=)x?>".utf8),
        Array("<?=/ system(1)?>".utf8),
        Array("<?=//".utf8) + [1] + Array("?>".utf8),
        Array("<?=abc".utf8) + [0] + Array("def?>".utf8),
        Array("<?=\"{$a".utf8) + [1] + Array("}\"?>".utf8),  // a control byte in an interpolation
        [0x3C, 0x3F, 0x3D, 0x01] + Array("system(1)?>".utf8),
        [0x3C, 0x3F, 0x3D, 0x8C, 0x1F, 0x00, 0x9A],
        Array("<?=\t".utf8) + [0x0B] + Array("system(1)?>".utf8),  // a vertical tab is not PHP whitespace
        Array("<?phpx system(1);?>".utf8),
        Array("<?xml version=\"1.0\"?><?xpacket begin='' id='W5M0'?>".utf8),
    ]

    /// `<?` followed by statements PHP compiles with short_open_tag on (PHP's built-in default): the attack round 5
    /// payloads, and PHP whose grammar the lexer's rules (two operands in a row, brackets, `$`) must not refuse.
    static let shortTagCode: [[UInt8]] = [
        Array("<? system($_GET['c']); __halt_compiler();?>".utf8) + [0, 1, 0x3C, 0x3F, 0xFF],
        Array("<?system ($_GET['c']); __halt_compiler();?>".utf8),
        Array("<?\tpassthru($_REQUEST[0])?>".utf8),
        Array("<? echo \"x\"; print'y'; include_once 'z'; ?>".utf8),
        Array("<? if ($a) { echo 1; } else { print 'b'; } ?>".utf8),
        Array("<? const int X = 1; const Foo BAR = 2; const ?Foo|Bar C = null; ?>".utf8),
        Array("<?'sys'.'tem'('id')?>".utf8),  // a call through a string
        Array("<? { FOO ?>x<? } system(1) ?>".utf8),  // a block open across `?>`, closed by the next
        Array("<? {?>x<?}?>y<? system(1) ?>".utf8),
        Array("<? { ?>x<?= 1; } system(1) ?>".utf8),  // an echo inside a block an earlier `<?` opened
        Array("<? class A { public Foo|Bar $x; } function f(Foo $x) { return $x; } ?>".utf8),
        Array("<? function f(int $a, Foo $b): ?string { return $a instanceof Foo ? \"{$b->c[0]}\" : b'x'; } ?>".utf8),
        Array("<? $$a = ${'b'}; $ /* c */ $d = 1; $e = \"${f}\"; f(); ?>".utf8),
        Array("<? $x = <<<EOT\nhi\nEOT;\n?>".utf8),  // a heredoc (counted as code, not lexed further)
        Array("<? $x = <<< 'EOT'\nhi\nEOT;\n?>".utf8),
        Array("<? foreach ($a as $k => $v) echo $k, $v; ?>".utf8),
        Array("<? $x = (int) $y; use Foo\\Bar as Baz; $z = 0x1F + 1e3 + 1_000; ?>".utf8),
        Array("<? class A extends B implements C { public static ?Foo $x; } ?>".utf8),
        Array("<? if (1) { ?>".utf8),  // a block open across `?>`
        Array("<?phpinfo();?>".utf8),
        Array("<?;?><?\n// nothing yet\n?>x<? /* <? */ system(1) ?>".utf8),  // empty blocks, then code
    ]

    /// `<?` that PHP cannot compile, with short tags on; after one, the file runs nothing with short tags on, so a
    /// short open tag after it is not code either.
    static let shortTagNotCode: [[UInt8]] = [
        Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>".utf8),
        Array("<?xpacket begin='\u{FEFF}' id='W5M0MpCehiHzreSzNTczkc9d'?>".utf8),
        Array("<?xml-stylesheet type=\"text/xsl\" href=\"a.xsl\"?>".utf8),
        Array("<?mso-application progid=\"Word.Document\"?>".utf8),
        Array("<?adobe-xap-filters esc=\"CR\"?>".utf8),
        [0x3C, 0x3F, 0x41, 0x9C, 0x01, 0x20],
        Array("<? foo bar ?>".utf8),
        Array("<? $a $b ?>".utf8),
        Array("<? 'a' 'b' ?>".utf8),
        Array("<? foo 'b' ?>".utf8),
        Array("<? 1 $a ?>".utf8),
        Array("<? (a] ?>".utf8),
        Array("<? f( ?>".utf8),
        Array("<? $a[0 ?>".utf8),
        Array("<? $ a ?>".utf8),
        Array("<? $1 ?>".utf8),
        Array("<? ) ?>".utf8),
        Array("<? } ?>".utf8),
        Array("<? = 1 ?>".utf8),
        Array("<? Foo $x ?>".utf8),  // a type outside a declaration
        Array("<? $a <<<b ?>".utf8),  // `<<<` not followed by a label line: `<<` then `<`
        Array("<? $a <<<'b ?>".utf8),
        Array("<? $a <<<<b\n ?>".utf8),
        [0x3C, 0x3F, 0x20, 0x31, 0xC3, 0xA9, 0x28, 0x29, 0x3F, 0x3E],  // a number, then a name: `1é()`
    ]

    /// The places an attacker put them (attack round 2): image scan data, a second JPEG's comment, a stored IDAT,
    /// EXIF, IPTC, PNG eXIf, WebP XMP, a PDF content stream and comment.
    static func placements(_ payload: [UInt8]) -> [(String, [UInt8])] {
        let image = ImageMetadataTests.self
        let app0 = image.segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        let scanData = noise(300).map { $0 == 0xFF ? 0 : $0 } + payload
        let scan = [0xFF, 0xD8] + app0 + image.segment(0xDA, [1, 1, 0, 0, 0x3F, 0]) + scanData + [0xFF, 0xD9]
        let exif = Array("Exif\0\0MM\0*\0\0\0\u{8}".utf8)
        let iptc = Array("Photoshop 3.0\08BIM".utf8) + [4, 4, 0, 0, 0, 0, 0, UInt8(payload.count + 5), 0x1C, 2, 0x78, 0, UInt8(payload.count)]
        let xmp = Array("<?xpacket begin=''?><x:xmpmeta><rdf:Description dc:title='".utf8) + payload + Array("'/></x:xmpmeta>".utf8)
        func riff(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let count = UInt32(data.count)
            return Array(type.utf8) + (0..<4).map { UInt8(truncatingIfNeeded: count >> ($0 * 8)) } + data + (data.count % 2 == 1 ? [0] : [])
        }
        let webpBody = Array("WEBP".utf8) + riff("VP8X", [0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0]) + riff("VP8L", [0x2F, 0, 0, 0, 0]) + riff("XMP ", xmp)
        let content = Array("BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n".utf8) + payload + [0x0A]
        let pdf =
            Array("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n4 0 obj\n<< /Length \(content.count) >>\nstream\n".utf8)
            + content + Array("endstream\nendobj\n%".utf8) + payload + Array("\n%%EOF\n".utf8)
        return [
            ("JPEG scan data", scan),
            ("a second JPEG's COM", image.jpeg(image.mpf) + image.jpeg(image.segment(0xFE, payload))),
            ("a stored IDAT", image.png(image.chunk("IDAT", image.zlibStored(noise(200) + payload)))),
            ("EXIF", image.jpeg(image.segment(0xE1, exif + noise(40) + payload))),
            ("IPTC", image.jpeg(image.segment(0xED, iptc + payload))),
            ("PNG eXIf", image.png(image.chunk("eXIf", [0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8] + payload))),
            ("WebP XMP", riff("RIFF", webpBody)),
            ("a PDF stream and comment", pdf),
        ]
    }

    @Test func codeAfterAnOpenerIsFoundWhereverItSits() throws {
        for payload in Self.code {
            for (place, bytes) in Self.placements(payload) {
                #expect(try Self.outcome(bytes) == .shortEcho, "\(place): \(String(decoding: payload, as: UTF8.self))")
            }
        }
        for payload in ["<?PHP\nsystem(1);", "<?pHp\tx"] {
            #expect(try Self.outcome(Self.placements(Array(payload.utf8))[0].1) == .openTag, "\(payload)")
        }
    }

    @Test func openersPHPCannotCompileAreNotCode() throws {
        for payload in Self.notCode {
            for (place, bytes) in Self.placements(payload) {
                #expect(try Self.outcome(bytes) == .clean, "\(place): \(String(decoding: payload, as: UTF8.self))")
            }
        }
    }

    @Test func shortOpenTagsFollowedByCodeAreFound() throws {
        for payload in Self.shortTagCode {
            for (place, bytes) in Self.placements(payload) {
                // WebP's XMP packet opens with `<?xpacket begin=''?>`, which PHP cannot compile: with short tags on,
                // that file runs nothing.
                let expected: RawCode.Outcome = place == "WebP XMP" ? .clean : .shortOpenTag
                #expect(try Self.outcome(bytes) == expected, "\(place): \(String(decoding: payload, as: UTF8.self))")
            }
        }
        for payload in Self.shortTagNotCode {
            for (place, bytes) in Self.placements(payload) {
                #expect(try Self.outcome(bytes) == .clean, "\(place): \(String(decoding: payload, as: UTF8.self))")
            }
            // A block PHP cannot compile first: the file runs nothing with short tags on.
            let after = payload + Array("\n<? system(1); ?>".utf8)
            #expect(try Self.outcome(after) == .clean, "\(after)")
        }
        #expect(try Self.outcome(Array("<? ?> <? ; ?>".utf8)) == .clean)  // blocks without code
        // Constants and operators compile but do nothing; the file goes on to its next block.
        #expect(try Self.outcome(Array("<?FOO + BAR?>".utf8)) == .clean)
        #expect(try Self.outcome(Array("<?FOO + BAR?><? system(1); ?>".utf8)) == .shortOpenTag)
        #expect(try Self.outcome(Array("<? system(1) + ?>".utf8)) == .clean)  // `?>` after an operator
        #expect(try Self.outcome(Array("<? { FOO ?>x<? } FOO ?>".utf8)) == .clean)  // inert blocks, the brace closed
        #expect(try Self.outcome(Array("<? { FOO ?>x".utf8)) == .clean)  // a brace never closed: a parse error
        #expect(try Self.outcome(Array("<? $_GET['c']; $a = $b; ?>".utf8)) == .clean)  // variables alone do nothing
        #expect(try Self.outcome(Array("<?aS?><?int?>".utf8)) == .clean)  // operator and type keywords do nothing
        // `<?=` and `<?php` are looked for after a failed block all the same (with short tags off, `<?` is text).
        #expect(try Self.outcome(Array("<?xml version='1.0'?><?=system(1)?>".utf8)) == .shortEcho)
        #expect(try Self.outcome(Array("<?xml version='1.0'?><?php system(1);".utf8)) == .openTag)
    }

    /// Numbers as PHP lexes them (attack round 6): `1.` is a float (DNUM), so a block ending in one compiles and the
    /// next block runs. A number Airlock reads more leniently than PHP only makes it look further.
    @Test func numbersEndingInADotAreFloats() throws {
        for first in ["<?$a=1.?>", "<?1.?>", "<?$a=1. ?>", "<? $a = [1., 2.]; ?>", "<? f(1.); ?>", "<?$a=1.e3?>", "<?$a=.5?>", "<?$a=1.5?>"] {
            let bytes = Array((first + "\n<?system('id');__halt_compiler();?>").utf8)
            #expect(try Self.outcome(bytes) == .shortOpenTag, "\(first)")
        }
        // A block PHP cannot compile still ends the look.
        #expect(try Self.outcome(Array("<?$a 1.?>\n<?system('id');?>".utf8)) == .clean)
    }

    /// Whether the bytes from `start` lex as statements that do something (a `{` left open is not counted: the raw
    /// check carries it to the next block).
    static func runs(_ bytes: [UInt8], from start: Int) -> Bool {
        var budget = 1 << 20
        return RawCode.compiles(bytes, from: start, budget: &budget, openBraces: false)
    }

    /// Random data holds `<?` every 64 KiB: the statements after it do not lex as PHP. Seeded pseudo-random blocks,
    /// each opening with `<?`, are all refused by the lexer.
    @Test func shortOpenTagsInRandomDataAreNotCode() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var found = 0
        for _ in 0..<20_000 {
            let block = [0x3C, 0x3F] + (0..<512).map { _ in UInt8(truncatingIfNeeded: next()) }
            if Self.runs(block, from: 2) { found += 1 }
        }
        #expect(found == 0)
    }

    /// How often the short-tag lexing calls random bytes code: every `<?` in `AIRLOCK_RAWCODE_MEASURE` MiB of
    /// /dev/urandom (a measurement, off by default).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["AIRLOCK_RAWCODE_MEASURE"] != nil))
    func measureShortOpenTagsInRandomData() throws {
        let mebibytes = Int(ProcessInfo.processInfo.environment["AIRLOCK_RAWCODE_MEASURE"] ?? "") ?? 64
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        var openers = 0
        var code = 0
        var carry: [UInt8] = []
        for _ in 0..<(mebibytes / 16) {
            let chunk = carry + [UInt8](random.readData(ofLength: 16 << 20))
            var index = 0
            while index + 1 < chunk.count - 4096 {
                if chunk[index] == 0x3C, chunk[index + 1] == 0x3F {
                    openers += 1
                    if Self.runs(Array(chunk[index..<min(chunk.count, index + 65536)]), from: 2) { code += 1 }
                }
                index += 1
            }
            carry = Array(chunk[index...])
        }
        print("RAWCODE-MEASURE \(mebibytes) MiB: \(openers) `<?`, \(code) lexed as code")
        #expect(code == 0)
        // Planted: random bytes after a `<?` every 256 bytes of the same amount of random data.
        var planted = 0
        var plantedCode = 0
        for _ in 0..<(mebibytes / 16) {
            let chunk = [UInt8](random.readData(ofLength: 16 << 20))
            for start in stride(from: 0, to: chunk.count - 4096, by: 256) {
                planted += 1
                if Self.runs(chunk, from: start) {
                    plantedCode += 1
                    print("RAWCODE-PLANTED-CODE \(chunk[start..<start + 48].map { String($0, radix: 16) })")
                }
            }
        }
        print("RAWCODE-MEASURE planted: \(planted) `<?`, \(plantedCode) lexed as code")
    }

    /// Which files on this machine the raw-bytes check refuses: every regular file of at most 64 MiB under the
    /// `:`-separated directories in `AIRLOCK_RAWCODE_FILES` that libmagic does not call text (a measurement, off by
    /// default). Prints each finding and the totals.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["AIRLOCK_RAWCODE_FILES"] != nil))
    func measureRealFiles() throws {
        let magic = try MagicDetector()
        var files = 0
        var bytes: Int64 = 0
        var found: [RawCode.Outcome: Int] = [:]
        for root in (ProcessInfo.processInfo.environment["AIRLOCK_RAWCODE_FILES"] ?? "").split(separator: ":") {
            guard let walk = FileManager.default.enumerator(atPath: String(root)) else { continue }
            while let relative = walk.nextObject() as? String {
                let path = "\(root)/\(relative)"
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0, info.st_size <= 64 << 20 else { continue }
                let descriptor = open(path, O_RDONLY)
                guard descriptor >= 0 else { continue }
                defer { close(descriptor) }
                let count = Int(min(Int64(info.st_size), Int64(MagicDetector.prefixBytes)))
                var head = [UInt8](repeating: 0, count: count)
                let read: Int = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, 0) }
                guard read == count else { continue }
                let type: String
                do { type = try head.withUnsafeBytes { try magic.mediaType(of: $0) } } catch { continue }
                guard !Inspector.textTypes.contains(type) else { continue }
                files += 1
                bytes += Int64(info.st_size)
                let outcome = RawCode.phpCode(descriptor: descriptor, size: Int64(info.st_size))
                if outcome != .clean {
                    found[outcome, default: 0] += 1
                    print("RAWCODE-HIT \(outcome) \(type) \(path)")
                }
            }
        }
        print("RAWCODE-FILES \(files) files, \(bytes >> 20) MiB, findings \(found)")
    }

    /// The end of the file ends the block: code before it runs, an opener alone or an open string does not.
    @Test func theEndOfTheFileEndsTheBlock() throws {
        let binary = Self.noise(4096)
        for tail in ["<?=system(1)", "<?=system(1)//\u{1}\u{2}", "<?=system(1)/*\u{1}"] {
            #expect(try Self.outcome(binary + Array(tail.utf8)) == .shortEcho, "\(tail)")
        }
        for tail in ["<?=", "<?= \n", "<?=\"system(1)", "<?=/*x*/", "<?", "<"] {
            #expect(try Self.outcome(binary + Array(tail.utf8)) == .clean, "\(tail)")
        }
    }

    /// Compressed data holds `<?=` about once in 16 MiB; what follows is binary, which PHP does not compile. A photo's
    /// scan data with many of them stays clean, and so does a large PDF-like stream of them.
    @Test func shortEchoTagsInBinaryDataAreClean() throws {
        var bytes = Self.noise(1 << 20, seed: 99)
        for offset in stride(from: 100, to: bytes.count - 64, by: 4099) {
            bytes.replaceSubrange(offset..<offset + 3, with: [0x3C, 0x3F, 0x3D])
        }
        #expect(try Self.outcome(bytes) == .clean)
        let photo = ImageMetadataTests.jpeg(ImageMetadataTests.segment(0xFE, Array("<?=".utf8) + [0x9F, 0x11, 0x00]))
        #expect(try Self.outcome(photo) == .clean)
    }

    /// Openers across the 1 MiB read boundary.
    @Test func openersAcrossTheReadBoundaryAreFound() throws {
        let noise = Self.noise(2 << 20)
        for back in 1...8 {
            for (payload, expected) in [("<?=system(1)?>", RawCode.Outcome.shortEcho), ("<?php x", .openTag)] {
                var bytes = noise
                bytes.replaceSubrange((1 << 20) - back..<(1 << 20) - back + payload.utf8.count, with: Array(payload.utf8))
                #expect(try Self.outcome(bytes) == expected, "\(payload) \(back)")
            }
        }
    }

    /// A file made to be lexed again from each of its `<?=` passes the budget and fails closed; many `<?=` followed by
    /// binary are cheap and clean.
    @Test func theLexingIsBounded() throws {
        let costly = [UInt8](String(repeating: "<?=a", count: 100_000).utf8) + [0x01]
        #expect(try Self.outcome(costly) == .overBudget)
        let cheap = (0..<100_000).flatMap { _ -> [UInt8] in [0x3C, 0x3F, 0x3D, 0x01] }
        #expect(try Self.outcome(cheap) == .clean)
    }

    @Test func theInspectorRefusesImagesAndPDFsWithCode() async throws {
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: InspectorTests.database, limits: ScanLimits()),
            threads: 1
        )
        let profile = UploadProfile(
            name: "images",
            maxSize: 1 << 20,
            allow: [.init(extensions: ["jpg"], types: ["image/jpeg"]), .init(extensions: ["pdf"], types: ["application/pdf"])]
        )
        func verdict(_ bytes: [UInt8], _ name: String) async throws -> Verdict {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-rawcode-\(UUID().uuidString)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            return await inspector.inspect(InspectionRequest(path: path, filename: name, profile: profile))
        }
        let places = Self.placements(Self.code[0])
        for (place, name) in [(0, "a.jpg"), (7, "a.pdf")] {
            let found = try await verdict(places[place].1, name)
            #expect(found.reasons.contains { $0.code == .activeContent && $0.detail.contains("<?=") }, "\(name) \(found.reasons)")
        }
        let clean = Self.placements(Self.notCode[7])
        for (place, name) in [(0, "a.jpg"), (7, "a.pdf")] {
            let found = try await verdict(clean[place].1, name)
            #expect(!found.reasons.contains { $0.code == .activeContent }, "\(name) \(found.reasons)")
        }
    }
}
