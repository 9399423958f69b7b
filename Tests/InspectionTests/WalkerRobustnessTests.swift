import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// A bounded random-input harness: mutated ZIPs, images and markup through the walkers must never crash or hang, and
/// a structure that does not hold together must never read as an accepted one.
///
/// `scripts/fuzz` runs it longer: `AIRLOCK_FUZZ_SCALE` multiplies the iterations and `AIRLOCK_FUZZ_SEED` changes the
/// inputs (printed so a crash can be replayed and kept as a regression case).
struct WalkerRobustnessTests {
    static let environment = ProcessInfo.processInfo.environment
    static let scale = max(1, Int(environment["AIRLOCK_FUZZ_SCALE"] ?? "") ?? 1)
    static let seedOffset = UInt64(environment["AIRLOCK_FUZZ_SEED"] ?? "") ?? 0

    static func rng(_ seed: UInt64) -> SeededGenerator {
        SeededGenerator(seed: seed &+ seedOffset)
    }

    static func mutate(_ seed: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = [0x00, 0xFF, 0x50, 0x4B, 0x3C, 0x3E][Int.random(in: 0..<6, using: &rng)]
            case 2 where bytes.count > 1: bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &rng)...)
            case 3:
                bytes.insert(
                    contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                    at: Int.random(in: 0...bytes.count, using: &rng)
                )
            default: if bytes.count > 4 { bytes.swapAt(Int.random(in: 0..<bytes.count, using: &rng), Int.random(in: 0..<bytes.count, using: &rng)) }
            }
        }
        return bytes
    }

    func withFile<R>(_ bytes: [UInt8], _ body: (Int32, Int64) -> R) throws -> R {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-fuzz-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY)
        defer {
            close(descriptor)
            unlink(path)
        }
        return body(descriptor, Int64(bytes.count))
    }

    @Test func mutatedZipsNeverCrashTheDirectoryWalker() async throws {
        let seedPath = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-fuzz-seed-\(UUID().uuidString)").path
        let built = try await TestProcess.run([
            "python3", "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n  z.writestr('[Content_Types].xml', '<T/>')\n  z.writestr('word/document.xml', 'x' * 300)\n  z.writestr('a/../b.txt', 'y')",
            seedPath,
        ])
        try #require(built.status == 0)
        let seed = Array(try Data(contentsOf: URL(fileURLWithPath: seedPath)))
        try? FileManager.default.removeItem(atPath: seedPath)
        var rng = Self.rng(2026)
        var malformed = 0
        for _ in 0..<1500 * Self.scale {
            let input = Self.mutate(seed, &rng)
            let result = try withFile(input) { descriptor, size in
                var cursor = FileCursor(descriptor: descriptor, size: size)
                return ZipDirectory.read(&cursor)
            }
            if case .failure = result { malformed += 1 }
        }
        #expect(malformed > 100)  // the mutations do break structure, and the walker says so
    }

    @Test func mutatedArchivesNeverCrashMemberExtraction() async throws {
        let seedPath = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-fuzz-seed-\(UUID().uuidString)").path
        let built = try await TestProcess.run([
            "python3", "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n  z.writestr(zipfile.ZipInfo('a.txt'), 'stored ' * 40)\n  z.writestr('b.txt', 'deflated ' * 200, zipfile.ZIP_DEFLATED)",
            seedPath,
        ])
        try #require(built.status == 0)
        let seed = Array(try Data(contentsOf: URL(fileURLWithPath: seedPath)))
        try? FileManager.default.removeItem(atPath: seedPath)
        var rng = Self.rng(404)
        var extracted = 0
        var refused = 0
        for _ in 0..<1000 * Self.scale {
            let input = Self.mutate(seed, &rng)
            try withFile(input) { descriptor, size in
                var cursor = FileCursor(descriptor: descriptor, size: size)
                guard case .success(let directory) = ZipDirectory.read(&cursor) else { return }
                for entry in directory.entries where entry.uncompressedSize <= 1 << 20 {
                    switch ZipMember.extract(entry, from: descriptor, into: FileManager.default.temporaryDirectory.path) {
                    case .success(let file):
                        // What comes out is exactly what the directory promised.
                        var info = stat()
                        fstat(file.descriptor, &info)
                        #expect(Int64(info.st_size) == entry.uncompressedSize)
                        extracted += 1
                    case .failure:
                        refused += 1
                    }
                }
            }
        }
        #expect(extracted > 0 && refused > 0)
    }

    @Test func mutatedPDFsNeverCrashTheActiveContentScanner() {
        var rng = Self.rng(1717)
        let seeds = [
            PDFActiveContentTests.ordinary,
            PDFBuilder.pdf(
                catalogExtra: "/OpenAction << /S /J#61vaScript /JS (x\\) \\(y) >>",
                objects: [PDFBuilder.objectStream(["<< /S /Launch >>", "[(a) <41> /N]"])]
            ),
        ]
        for seed in seeds {
            for _ in 0..<3000 * Self.scale {
                _ = PDFActiveContent.findings(in: Self.mutate(seed, &rng))
            }
        }
    }

    @Test func mutatedImagesNeverCrashTheTrailerWalkers() throws {
        var rng = Self.rng(11)
        for (type, seed) in [("image/png", InspectorTests.png), ("image/gif", InspectorTests.gif)] {
            for _ in 0..<1500 * Self.scale {
                let input = Self.mutate(seed, &rng)
                _ = try withFile(input) { descriptor, size in
                    var cursor = FileCursor(descriptor: descriptor, size: size)
                    return ImageTrailer.end(of: type, cursor: &cursor)
                }
            }
        }
        // JPEG from arbitrary bytes behind an SOI marker.
        for _ in 0..<1500 * Self.scale {
            let input: [UInt8] =
                [0xFF, 0xD8]
                + (0..<Int.random(in: 0...200, using: &rng)).map { _ in [0xFF, 0xD9, 0xDA, 0x00, 0x12][Int.random(in: 0..<5, using: &rng)] }
            _ = try withFile(input) { descriptor, size in
                var cursor = FileCursor(descriptor: descriptor, size: size)
                return ImageTrailer.end(of: "image/jpeg", cursor: &cursor)
            }
        }
    }

    @Test func mutatedMarkupNeverCrashesTheActiveContentScanner() {
        var rng = Self.rng(7)
        let seed = Array(
            #"<svg onload="x"><a xlink:href="&#106;avascript:1"><![CDATA[<script>]]><!-- c --><?pi?><!DOCTYPE x [<!ENTITY a "b">]></a></svg>"#.utf8
        )
        for _ in 0..<5000 * Self.scale {
            _ = MarkupActiveContent.findings(in: Self.mutate(seed, &rng))
        }
    }
}
