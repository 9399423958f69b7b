#if canImport(Glibc)
import Glibc
#endif

/// The parsers that read hostile bytes, each callable on arbitrary input: the entry points of the libFuzzer harness
/// (`airlock-fuzz`, `scripts/fuzz`) and of its replay mode. Nothing here may trap, hang or grow without bound on any
/// input.
public enum FuzzTargets {
    public static let names = ["pdf", "markup", "text", "ooxml-part", "zip", "picture"]

    /// Runs the named parser on `bytes`; `false` for an unknown name.
    @discardableResult
    public static func run(_ name: String, _ bytes: [UInt8]) -> Bool {
        switch name {
        case "pdf":
            _ = PDFActiveContent.findings(in: bytes)
        case "markup":
            _ = MarkupActiveContent.findings(in: bytes)
        case "text":
            _ = TextActiveContent.findings(in: bytes)
            _ = TextActiveContent.findings(in: bytes, markdown: true)
        case "ooxml-part":
            _ = OOXMLParts.findings(partName: "word/document.xml", bytes: bytes)
            _ = OOXMLParts.findings(partName: "[Content_Types].xml", bytes: bytes)
            _ = OOXMLParts.findings(partName: "word/_rels/document.xml.rels", bytes: bytes)
        case "zip":
            zip(bytes)
        case "picture":
            _ = PictureContent.problem(bytes)
        default:
            return false
        }
        return true
    }

    /// The ZIP walker as the inspector drives it: the directory and its cross-checks, member names, and the
    /// extraction of every member (size, CRC and method checks) within a small budget.
    static func zip(_ bytes: [UInt8]) {
        // An unlinked file in memory where there is a tmpfs.
        var template = Array((access("/dev/shm", W_OK) == 0 ? "/dev/shm/airlock-fuzz-XXXXXX" : "/tmp/airlock-fuzz-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard result > 0 else { return }
            written += result
        }
        var cursor = FileCursor(descriptor: descriptor, size: Int64(bytes.count))
        guard case .success(let directory) = ZipDirectory.read(&cursor) else { return }
        var extracted = 0
        for entry in directory.entries where !entry.isDirectory {
            _ = ZipDirectory.nameProblem(entry)
            guard extracted < 8, entry.uncompressedSize <= 1 << 20 else { continue }
            extracted += 1
            _ = ZipMember.extract(entry, from: descriptor, into: "/tmp")
        }
    }
}
