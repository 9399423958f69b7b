import CZlib

#if canImport(Glibc)
import Glibc
#endif

/// Extracts one ZIP member into a private temporary file, checking what the directory promised: the method is stored
/// or deflate, the bytes inflate to exactly the declared size (never more: a bomb stops at the limit) and the CRC-32
/// matches.
enum ZipMember {
    enum Failure: Error, Equatable {
        case unsupportedMethod(Int)
        case corrupt(String)
        case io(String)
        /// The inspection's budget ran out while the member was being extracted.
        case stopped
    }

    /// A temporary file holding a member; removed when released.
    final class Extracted {
        let path: String
        let descriptor: Int32

        init(path: String, descriptor: Int32) {
            self.path = path
            self.descriptor = descriptor
        }

        deinit {
            close(descriptor)
            unlink(path)
        }
    }

    /// - Parameter isExpired: Asked between chunks: `true` stops the extraction (the inspection's budget is spent).
    static func extract(
        _ entry: ZipDirectory.Entry,
        from source: Int32,
        into directory: String,
        isExpired: () -> Bool = { false }
    ) -> Result<Extracted, Failure> {
        guard entry.method == 0 || entry.method == 8 else { return .failure(.unsupportedMethod(entry.method)) }
        guard entry.dataOffset >= 0 else { return .failure(.corrupt("its local header was not read")) }
        var template =
            Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast()) + Array("airlock-member-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return .failure(.io("a temporary file cannot be created in \(directory): \(String(cString: strerror(errno)))")) }
        let extracted = Extracted(
            path: String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            descriptor: descriptor
        )
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)

        var crc = CZlib.crc32(0, nil, 0)
        var written: Int64 = 0
        var writeError: String?
        let sink: (UnsafeRawBufferPointer) -> Bool = { chunk in
            crc = CZlib.crc32(crc, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(chunk.count))
            var offset = 0
            while offset < chunk.count {
                let result = write(descriptor, chunk.baseAddress! + offset, chunk.count - offset)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else {
                    writeError = String(cString: strerror(errno))
                    return false
                }
                offset += result
            }
            written += Int64(chunk.count)
            return true
        }

        var buffer = [UInt8](repeating: 0, count: Int(min(max(entry.compressedSize, 1), 256 << 10)))
        var offset = entry.dataOffset
        let end = entry.dataOffset + entry.compressedSize
        let inflater = entry.method == 8 ? Inflater(format: .raw, limit: entry.uncompressedSize) : nil
        var finished = entry.method == 0
        while offset < end {
            if isExpired() { return .failure(.stopped) }
            let want = Int(min(Int64(buffer.count), end - offset))
            let count = buffer.withUnsafeMutableBytes { pread(source, $0.baseAddress, want, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return .failure(.io("reading the archive failed")) }
            offset += Int64(count)
            let status: Inflater.Status = buffer.withUnsafeBytes { bytes in
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                if let inflater { return inflater.feed(chunk, into: sink) }
                if written + Int64(count) > entry.uncompressedSize { return .limitExceeded }
                return sink(chunk) ? .needsInput : .stopped
            }
            switch status {
            case .needsInput: continue
            case .finished:
                // The deflate stream must fill the member's compressed span: bytes after its end inside the span are
                // what a streaming reader takes for the next entry (an entry hidden from the central directory).
                guard let inflater, inflater.unusedInput == 0, offset == end else {
                    return .failure(.corrupt("bytes follow its compressed data inside its listed size (a hidden entry)"))
                }
                finished = true
            case .limitExceeded: return .failure(.corrupt("it holds more than its declared \(entry.uncompressedSize) bytes"))
            case .stopped: return .failure(.io("writing the member failed: \(writeError ?? "unknown error")"))
            case .corrupt(let why): return .failure(.corrupt("invalid deflate data (\(why))"))
            }
        }
        guard finished else { return .failure(.corrupt("its compressed data ends early")) }
        guard written == entry.uncompressedSize else {
            return .failure(.corrupt("it holds \(written) bytes, the directory says \(entry.uncompressedSize)"))
        }
        guard UInt32(crc) == entry.crc32 else { return .failure(.corrupt("its CRC-32 does not match")) }
        return .success(extracted)
    }
}
