import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// Encrypted PDFs written by pypdf (R2, R3, R4 AESV2, R5, R6) and by `fixtures/pdf-encrypted/make_encrypted.py` itself (R4 RC4):
/// owner-password-only files are decrypted and inspected like any other; a user password makes them unscannable.
@Suite struct EncryptionTests {
    static let directory = URL(fileURLWithPath: Repository.path("fixtures/pdf-encrypted"))
    static let algorithms = ["rc4-40", "rc4-128", "r4-rc4", "r4-rc4-objstm", "aes-128", "aes-256-r5", "aes-256"]

    static func findings(_ name: String) throws -> PDFActiveContent.Findings {
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
        return PDFActiveContent.findings(in: bytes)
    }

    @Test(arguments: algorithms)
    func ownerPasswordOnlyLinkIsClean(_ algorithm: String) throws {
        // Clean only if the link's URI string decrypts to https://example.com/.
        let result = try Self.findings("\(algorithm)-link-clean.pdf")
        #expect(result == PDFActiveContent.Findings(), "\(algorithm): \(result)")
    }

    @Test(arguments: algorithms)
    func decryptedFileURIIsActive(_ algorithm: String) throws {
        let result = try Self.findings("\(algorithm)-file-uri.pdf")
        #expect(result.active == ["a URI action in an annotation to a non-web address (file:)"], "\(algorithm): \(result)")
        #expect(result.unscannable.isEmpty)
    }

    @Test(arguments: algorithms)
    func javaScriptIsActive(_ algorithm: String) throws {
        let result = try Self.findings("\(algorithm)-js.pdf")
        #expect(result.active.contains("an OpenAction JavaScript action"), "\(algorithm): \(result)")
        #expect(result.unscannable.isEmpty)
    }

    @Test(arguments: algorithms.filter { !$0.hasPrefix("r4-rc4") })
    func userPasswordIsUnscannable(_ algorithm: String) throws {
        let result = try Self.findings("\(algorithm)-user.pdf")
        #expect(result.unscannable == ["the PDF needs a user password"], "\(algorithm): \(result)")
    }

    /// Written by qpdf through pikepdf (`make_pikepdf.py`): object streams, linearized, /EncryptMetadata false on two,
    /// an https and a mailto: link. Metadata left plain is read both ways, and neither reading is a finding.
    @Test(arguments: ["qpdf-r2-rc4", "qpdf-r3-rc4", "qpdf-r4-rc4-plainmeta", "qpdf-r4-aes", "qpdf-r4-aes-plainmeta", "qpdf-r6-aes"])
    func qpdfControlsAreClean(_ name: String) throws {
        let result = try Self.findings("\(name).pdf")
        #expect(result == PDFActiveContent.Findings(), "\(name): \(result)")
    }

    @Test func unknownHandlerIsUnscannable() {
        var builder = FixturePDF.document(more: ["<< /Filter /Adobe.PubSec /V 4 /R 4 /O <00> /U <00> >>"])
        builder.trailerExtra = "/Encrypt 4 0 R"
        #expect(PDFActiveContent.findings(in: builder.build()).unscannable == ["the PDF is encrypted with the /Adobe.PubSec security handler"])
    }

    @Test func rc4KnownAnswer() {
        // RFC 6229 key 0x0102030405, first output bytes.
        let out = PDFDecryption.rc4(key: [1, 2, 3, 4, 5], [UInt8](repeating: 0, count: 8))
        #expect(out == [0xB2, 0x39, 0x63, 0x05, 0xF0, 0x3D, 0xC0, 0x27])
    }
}
