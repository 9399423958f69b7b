import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Every name and header field an extractor may use (attack round 6): Info-ZIP Unicode Path fields rename members
/// for unzip and 7-Zip, and unzip unpacks with the local header's method.
extension ContainerInspectionTests {
    /// A Unicode Path extra field (0x7075) naming the member `other`, in both headers (Python writes one extra).
    static func unicodePath(_ header: String, _ other: String, content: String = "plain text\\n") -> String {
        """
        import struct, zlib
        def upath(header, other):
            u = other.encode()
            return struct.pack('<HHBI', 0x7075, 5 + len(u), 1, zlib.crc32(header.encode())) + u
        with zipfile.ZipFile(path, 'w') as z:
            info = zipfile.ZipInfo('\(header)')
            info.extra = upath('\(header)', '\(other)')
            z.writestr(info, '\(content)')
        """
    }

    @Test(arguments: [
        ("notes.txt", "notes.js", ArchiveCheck.memberNotAllowed),
        ("notes.txt", "notes.php", .memberNotAllowed),
        ("a.txt", ".htaccess", .memberNotAllowed),
        ("notes.txt", "../../slipped.txt", .filenameInvalid),
        ("notes.txt", "notes.php.txt", .filenameInvalid),
    ])
    func aUnicodePathNameIsJudgedLikeTheMembersOwn(header: String, other: String, expected: ArchiveCheck) async throws {
        let verdict = try await inspect(try build(Self.unicodePath(header, other)), name: "bundle.zip", profile: archives)
        #expect(
            verdict.reasons.contains { $0.code == expected.code && $0.detail.contains(other.split(separator: "/").last.map(String.init) ?? other) },
            "\(verdict.reasons)"
        )
        #expect(verdict.outcome != .clean)
    }

    /// A member renamed onto another member's name: the two collide for unzip.
    @Test func aUnicodePathNameCollidingWithAnotherMemberIsAmbiguous() async throws {
        let path = try await build(
            Self.unicodePath("a.txt", "b.txt") + "\nwith zipfile.ZipFile(path, 'a') as z:\n    z.writestr('b.txt', 'the other one')\n"
        )
        let verdict = try await inspect(path, name: "bundle.zip", profile: archives)
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("'b.txt'") }, "\(verdict.reasons)")
    }

    /// Ordinary archives with non-ASCII names carry the field (the header name in CP437 or the same UTF-8): clean.
    @Test func aUnicodePathGivingTheSameOrANonASCIINameIsClean() async throws {
        for (header, other) in [("caf\u{e9}.txt", "caf\u{e9}.txt"), ("report.txt", "r\u{e9}sum\u{e9}.txt"), ("docs/a.txt", "docs/\u{e4}.txt")] {
            let verdict = try await inspect(try build(Self.unicodePath(header, other)), name: "bundle.zip", profile: archives)
            #expect(verdict.outcome == .clean, "\(header) \(other): \(verdict.reasons)")
        }
    }

    /// The local header gives another compression method (or encryption) than the directory: unzip unpacks with the
    /// local one, libclamav and Airlock with the directory's.
    @Test(arguments: [(8, 0, "compression method"), (0, 8, "compression method"), (-1, -1, "encrypted")])
    func aLocalHeaderDisagreeingWithTheDirectoryIsUnscannable(localMethod: Int, _ unused: Int, expected: String) async throws {
        let patch =
            localMethod >= 0
            ? "data[8:10] = struct.pack('<H', \(localMethod))" : "data[6:8] = struct.pack('<H', struct.unpack('<H', data[6:8])[0] | 1)"
        let method = localMethod == 0 ? "zipfile.ZIP_DEFLATED" : "zipfile.ZIP_STORED"
        let path = try await build(
            """
            import struct
            with zipfile.ZipFile(path, 'w', \(method)) as z:
                z.writestr('notes.txt', 'plain text ' * 20)
            data = bytearray(open(path, 'rb').read())
            \(patch)
            open(path, 'wb').write(bytes(data))
            """
        )
        let verdict = try await inspect(path, name: "bundle.zip", profile: archives)
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains(expected) }, "\(verdict.reasons)")
    }

    enum ArchiveCheck: Sendable {
        case memberNotAllowed, filenameInvalid
        var code: ReasonCode { self == .memberNotAllowed ? .archiveMemberNotAllowed : .filenameInvalid }
    }
}
