import AirlockCore
import AirlockTesting
import Foundation
import Testing

@Suite struct AnalysisZipTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // Continuing over two halves equals one pass.
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        #expect(CRC32.checksum(bytes[20...], continuing: CRC32.checksum(bytes[..<20])) == 0x414F_A339)
    }

    /// Written in chunks, read back by Info-ZIP's unzip and Python's zipfile with the password `infected` (and refused
    /// without it).
    @Test(arguments: [0, 1, 5, 70_000])
    func realToolsOpenTheArchiveWithThePassword(size: Int) async throws {
        var generator = SystemRandomNumberGenerator()
        let plain = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let name = "quarantined sample é.bin"
        var zip = AnalysisZip(name: name, crc: CRC32.checksum(plain), size: Int64(size), epochSeconds: 1_795_000_000)
        var archive = zip.header(random: (0..<11).map { _ in UInt8.random(in: 0...255, using: &generator) })
        var offset = 0
        while offset < plain.count {
            var chunk = Array(plain[offset..<min(offset + 4096, plain.count)])
            zip.encrypt(&chunk)
            archive += chunk
            offset += 4096
        }
        archive += zip.trailer()
        #expect(Int64(archive.count) == AnalysisZip.length(nameBytes: name.utf8.count, size: Int64(size)))
        if size > 16 { #expect(archive.firstRange(of: plain.prefix(16)) == nil) }  // the bytes are not there in the clear

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-zip-\(UUID().uuidString).zip").path
        try Data(archive).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let unzip = try await TestProcess.run(["unzip", "-p", "-P", "infected", path])
        #expect(unzip.status == 0, "\(unzip.stderrText)")
        #expect(Array(unzip.stdout) == plain)
        #expect(try await TestProcess.run(["unzip", "-p", "-P", "wrong", path]).status != 0 || size == 0)
        let python = try await TestProcess.run([
            "python3", "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); i = z.infolist()[0]; assert i.flag_bits & 1; sys.stdout.buffer.write(z.read(i, pwd=b'infected')); print(i.filename, i.date_time, file=sys.stderr)",
            path,
        ])
        #expect(python.status == 0, "\(python.stderrText)")
        #expect(Array(python.stdout) == plain)
        // 1_795_000_000 is 2026-11-18 11:06:40 UTC (DOS times have two-second steps).
        #expect(python.stderrText.trimmingCharacters(in: .whitespacesAndNewlines) == name + " (2026, 11, 18, 11, 6, 40)")
    }
}
