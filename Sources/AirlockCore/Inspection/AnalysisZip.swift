/// The zip analysts expect for a quarantined sample: one stored entry encrypted with the traditional PKWARE cipher
/// under the password `infected`, so that no scanner or mail gateway on the way unpacks or deletes it. The cipher is
/// weak by design: the point is to keep tools from touching the bytes, not secrecy.
///
/// The writer is streaming: `header` first, then the file through `encrypt` in chunks, then `trailer`. The CRC-32 and
/// size must be known up front (the file is local), so the entry needs no data descriptor.
public struct AnalysisZip: Sendable {
    public static let password = Array("infected".utf8)
    /// Stored entries without ZIP64 records end here.
    public static let maxSize: Int64 = 0xFFFF_FFFF - 12

    public let name: [UInt8]
    public let crc: UInt32
    public let size: Int64
    let dosTime: UInt16
    let dosDate: UInt16
    private var keys: (UInt32, UInt32, UInt32) = (0x1234_5678, 0x2345_6789, 0x3456_7890)

    /// - Parameters:
    ///   - name: The entry's name (UTF-8; flagged as such).
    ///   - crc: CRC-32 of the plain file (`CRC32.checksum`).
    ///   - size: The plain file's size, at most `maxSize`.
    ///   - epochSeconds: The entry's modification time (UTC).
    public init(name: String, crc: UInt32, size: Int64, epochSeconds: Int64) {
        self.name = Array(name.utf8)
        self.crc = crc
        self.size = size
        let (time, date) = Self.dosDateTime(epochSeconds)
        dosTime = time
        dosDate = date
        for byte in Self.password { updateKeys(byte) }
    }

    /// The local file header followed by the encrypted 12-byte encryption header (`random`: 11 random bytes).
    public mutating func header(random: [UInt8]) -> [UInt8] {
        precondition(random.count == 11, "the encryption header takes 11 random bytes")
        var bytes = Self.le32(0x0403_4B50) + Self.le16(20) + Self.le16(Self.flags) + Self.le16(0) + Self.le16(dosTime) + Self.le16(dosDate)
        bytes += Self.le32(crc) + Self.le32(UInt32(size + 12)) + Self.le32(UInt32(size)) + Self.le16(UInt16(name.count)) + Self.le16(0) + name
        // The last byte of the encryption header is the CRC's high byte: what unzip checks the password against.
        var check = random + [UInt8(truncatingIfNeeded: crc >> 24)]
        encrypt(&check)
        return bytes + check
    }

    /// Encrypts file bytes in place, in order.
    public mutating func encrypt(_ bytes: inout [UInt8]) {
        for index in bytes.indices {
            let plain = bytes[index]
            let temp = (keys.2 | 2) & 0xFFFF
            bytes[index] = plain ^ UInt8(truncatingIfNeeded: (temp &* (temp ^ 1)) >> 8)
            updateKeys(plain)
        }
    }

    /// The central directory and its end record, for the entry written at offset 0.
    public func trailer() -> [UInt8] {
        var central =
            Self.le32(0x0201_4B50) + Self.le16(0x0314) + Self.le16(20) + Self.le16(Self.flags) + Self.le16(0) + Self.le16(dosTime)
            + Self.le16(dosDate)
        central +=
            Self.le32(crc) + Self.le32(UInt32(size + 12)) + Self.le32(UInt32(size)) + Self.le16(UInt16(name.count)) + Self.le16(0) + Self.le16(0)
        central += Self.le16(0) + Self.le16(0) + Self.le32(0o100600 << 16) + Self.le32(0) + name
        let localLength = UInt32(30 + name.count) + UInt32(size + 12)
        let end =
            Self.le32(0x0605_4B50) + Self.le16(0) + Self.le16(0) + Self.le16(1) + Self.le16(1) + Self.le32(UInt32(central.count))
            + Self.le32(localLength)
            + Self.le16(0)
        return central + end
    }

    /// The whole archive's length for a `size`-byte file named `name`.
    public static func length(nameBytes: Int, size: Int64) -> Int64 {
        (30 + Int64(nameBytes) + 12 + size) + (46 + Int64(nameBytes)) + 22
    }

    // Encrypted (bit 0) and a UTF-8 name (bit 11).
    static let flags: UInt16 = 0x0801

    private mutating func updateKeys(_ byte: UInt8) {
        // The cipher's key schedule steps the CRC register directly (no pre- or post-inversion).
        keys.0 = CRC32.update(keys.0, byte)
        keys.1 = (keys.1 &+ (keys.0 & 0xFF)) &* 134_775_813 &+ 1
        keys.2 = CRC32.update(keys.2, UInt8(truncatingIfNeeded: keys.1 >> 24))
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(truncatingIfNeeded: value)) + le16(UInt16(truncatingIfNeeded: value >> 16)) }

    /// MS-DOS time and date fields (two-second resolution; 1980 at the earliest).
    static func dosDateTime(_ epochSeconds: Int64) -> (time: UInt16, date: UInt16) {
        let (year, month, day, rest) = Timestamp.civil(seconds: max(epochSeconds, 315_532_800))  // 1980 at the earliest
        let time = UInt16((rest / 3600) << 11 | ((rest % 3600) / 60) << 5 | (rest % 60) / 2)
        let date = UInt16((min(year, 2107) - 1980) << 9 | month << 5 | day)
        return (time, date)
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zip and gzip use it).
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// One byte into a running (pre-inverted) register.
    @inline(__always)
    static func update(_ register: UInt32, _ byte: UInt8) -> UInt32 {
        table[Int((register ^ UInt32(byte)) & 0xFF)] ^ (register >> 8)
    }

    /// Continues `crc` (0 to start) over `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        var register = crc ^ 0xFFFF_FFFF
        for byte in bytes { register = update(register, byte) }
        return register ^ 0xFFFF_FFFF
    }
}
