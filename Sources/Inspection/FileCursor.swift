#if canImport(Glibc)
import Glibc
#endif

/// Sequential and random reads of an open file through a small buffer, for format walkers. Every read is bounds
/// checked: running off the end returns `nil`, never traps.
struct FileCursor {
    let descriptor: Int32
    let size: Int64
    private(set) var position: Int64 = 0
    private var buffer: [UInt8] = []
    private var bufferStart: Int64 = 0

    init(descriptor: Int32, size: Int64) {
        self.descriptor = descriptor
        self.size = size
    }

    var remaining: Int64 { size - position }

    mutating func seek(to offset: Int64) -> Bool {
        guard offset >= 0, offset <= size else { return false }
        position = offset
        return true
    }

    mutating func skip(_ count: Int64) -> Bool {
        seek(to: position + count)
    }

    /// The next byte, or `nil` at the end (or on a read error).
    mutating func byte() -> UInt8? {
        guard position < size else { return nil }
        if position < bufferStart || position >= bufferStart + Int64(buffer.count) {
            guard fill(at: position) else { return nil }
        }
        let value = buffer[Int(position - bufferStart)]
        position += 1
        return value
    }

    /// The next `count` bytes (at most 64 KiB), or `nil` if the file ends first.
    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= 1 << 16, Int64(count) <= remaining else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard let value = byte() else { return nil }
            result.append(value)
        }
        return result
    }

    mutating func uint16BigEndian() -> Int? {
        guard let high = byte(), let low = byte() else { return nil }
        return Int(high) << 8 | Int(low)
    }

    mutating func uint32BigEndian() -> Int64? {
        guard let bytes = bytes(4) else { return nil }
        return bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    private mutating func fill(at offset: Int64) -> Bool {
        let count = Int(min(Int64(64 << 10), size - offset))
        var chunk = [UInt8](repeating: 0, count: count)
        var read = 0
        while read < count {
            let result = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + read, count - read, off_t(offset) + off_t(read)) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return false }
            read += result
        }
        buffer = chunk
        bufferStart = offset
        return true
    }
}
