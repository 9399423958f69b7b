import AirlockCore

#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor, closed when the last reference goes.
public final class OpenFile: Sendable {
    public let descriptor: Int32

    package init(descriptor: Int32) { self.descriptor = descriptor }

    /// A new file (mode 0600) in `directory` that no other process can open: unlinked at once, gone when closed.
    public static func privateTemporary(in directory: String) -> OpenFile? {
        var template = Array("\(directory)/airlock-zip-XXXXXX\0".utf8).map { CChar(bitPattern: $0) }
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { return nil }
        unlink(template)
        return OpenFile(descriptor: descriptor)
    }

    deinit { close(descriptor) }

    package struct ReadError: Error {
        package init() {}
    }

    /// Exactly `count` bytes at `offset` (blocking).
    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw ReadError() }
            filled += result
        }
        return bytes
    }

    /// CRC-32 of the first `size` bytes (blocking).
    package func crc32(size: Int64) throws -> UInt32 {
        var crc: UInt32 = 0
        var offset: Int64 = 0
        while offset < size {
            let chunk = try read(at: offset, count: Int(min(1 << 20, size - offset)))
            crc = CRC32.checksum(chunk, continuing: crc)
            offset += Int64(chunk.count)
        }
        return crc
    }
}
