/// Writes bytes into memory sized in advance: the signing hot path's alternative to appending to an array byte by
/// byte (which checks uniqueness and capacity on every byte).
///
/// Every write is bounds-checked against the capacity the caller computed, so an undersized estimate traps instead
/// of corrupting memory.
struct ByteWriter {
    private let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    private(set) var count: Int = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    @inline(__always)
    mutating func write(_ byte: UInt8) {
        precondition(count < capacity, "ByteWriter capacity exceeded")
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(capacity - count >= bytes.count, "ByteWriter capacity exceeded")
        (base + count).update(from: source, count: bytes.count)
        count &+= bytes.count
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        write(bytes.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always)
    mutating func write(_ literal: StaticString) {
        write(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    @inline(__always)
    mutating func write(utf8 string: String) {
        var string = string
        string.withUTF8 { write($0) }
    }

    /// Writes `bytes` percent-encoded for SigV4 (uppercase hex; RFC 3986 unreserved characters kept; `/` kept when
    /// `keepSlash`). Runs of bytes that need no encoding are copied at once. Needs up to 3 bytes of room per byte.
    mutating func writeURIEncoded(_ bytes: UnsafeBufferPointer<UInt8>, keepSlash: Bool) {
        precondition(capacity - count >= bytes.count * 3, "ByteWriter capacity exceeded")
        var index = 0
        var runStart = 0
        let total = bytes.count
        while index < total {
            let byte = bytes[index]
            if ByteEncoding.isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                index &+= 1
                continue
            }
            if index > runStart {
                (base + count).update(from: bytes.baseAddress! + runStart, count: index - runStart)
                count &+= index - runStart
            }
            base[count] = UInt8(ascii: "%")
            base[count &+ 1] = ByteEncoding.upperHex(byte >> 4)
            base[count &+ 2] = ByteEncoding.upperHex(byte & 0x0F)
            count &+= 3
            index &+= 1
            runStart = index
        }
        if total > runStart {
            (base + count).update(from: bytes.baseAddress! + runStart, count: total - runStart)
            count &+= total - runStart
        }
    }

    mutating func writeURIEncoded(_ string: String, keepSlash: Bool) {
        var string = string
        string.withUTF8 { writeURIEncoded($0, keepSlash: keepSlash) }
    }

    /// Writes raw bytes as lowercase hexadecimal (two bytes of room per byte).
    mutating func writeLowerHex(_ bytes: UnsafeRawBufferPointer) {
        precondition(capacity - count >= bytes.count * 2, "ByteWriter capacity exceeded")
        for byte in bytes {
            base[count] = ByteEncoding.lowerHex(byte >> 4)
            base[count &+ 1] = ByteEncoding.lowerHex(byte & 0x0F)
            count &+= 2
        }
    }

    /// Writes a non-negative integer in decimal (at most 20 bytes).
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0)
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits &+= 1
        }
        writePadded(value, width: digits)
    }

    /// Writes `value` as exactly `width` zero-padded decimal digits.
    @inline(__always)
    mutating func writePadded(_ value: Int, width: Int) {
        precondition(capacity - count >= width, "ByteWriter capacity exceeded")
        var rest = value
        for offset in stride(from: width - 1, through: 0, by: -1) {
            base[count &+ offset] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
        }
        count &+= width
    }

    /// Writes standard base64 with padding (4 bytes of room per 3 bytes, rounded up). Each 12 bits of input become
    /// two output characters with one table lookup.
    mutating func writeBase64(_ bytes: UnsafeBufferPointer<UInt8>) {
        let needed = (bytes.count + 2) / 3 * 4
        precondition(capacity - count >= needed, "ByteWriter capacity exceeded")
        ByteEncoding.base64Pairs.withUnsafeBufferPointer { pairs in
            var index = 0
            let total = bytes.count
            while index + 3 <= total {
                let chunk = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
                let high = pairs[chunk >> 12]
                let low = pairs[chunk & 0xFFF]
                base[count] = UInt8(truncatingIfNeeded: high >> 8)
                base[count &+ 1] = UInt8(truncatingIfNeeded: high)
                base[count &+ 2] = UInt8(truncatingIfNeeded: low >> 8)
                base[count &+ 3] = UInt8(truncatingIfNeeded: low)
                count &+= 4
                index &+= 3
            }
            let remaining = total - index
            if remaining > 0 {
                var chunk = Int(bytes[index]) << 16
                if remaining == 2 { chunk |= Int(bytes[index + 1]) << 8 }
                let high = pairs[chunk >> 12]
                let low = pairs[chunk & 0xFFF]
                base[count] = UInt8(truncatingIfNeeded: high >> 8)
                base[count &+ 1] = UInt8(truncatingIfNeeded: high)
                base[count &+ 2] = remaining == 2 ? UInt8(truncatingIfNeeded: low >> 8) : UInt8(ascii: "=")
                base[count &+ 3] = UInt8(ascii: "=")
                count &+= 4
            }
        }
    }
}

extension ByteWriter {
    /// Runs `body` with a writer over `capacity` bytes of temporary memory (on the stack when small).
    static func withTemporary<R>(capacity: Int, _ body: (inout ByteWriter) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(capacity, 1)) { buffer in
            var writer = ByteWriter(buffer)
            return try body(&writer)
        }
    }

    /// Builds a `String` by writing at most `capacity` UTF-8 bytes straight into its storage.
    static func string(capacity: Int, _ body: (inout ByteWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: max(capacity, 1)) { buffer in
            var writer = ByteWriter(buffer)
            body(&writer)
            return writer.count
        }
    }

    /// Builds a `[UInt8]` by writing at most `capacity` bytes straight into its storage.
    static func bytes(capacity: Int, _ body: (inout ByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: max(capacity, 1)) { buffer, initialized in
            var writer = ByteWriter(buffer)
            body(&writer)
            initialized = writer.count
        }
    }
}
