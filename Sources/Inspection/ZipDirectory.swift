import AirlockCore

/// A ZIP file's central directory, read and cross-checked against its local headers without decompressing anything.
///
/// Enough to judge structure (ZIP64, encryption, several archives or central directories in one file, entries that
/// overlap or leave bytes unaccounted for) and member names (zip-slip, extensions, OOXML macro and embedding parts).
/// Every offset is bounds-checked; a malformed file yields `.malformed`, never a trap.
struct ZipDirectory {
    struct Entry {
        var name: String
        var nameBytes: [UInt8]
        var flags: Int
        var method: Int
        var compressedSize: Int64
        var uncompressedSize: Int64
        var localHeaderOffset: Int64
        var usesZip64: Bool
        var crc32: UInt32 = 0
        /// Version made by (its high byte is the host system) and external attributes: a Unix host keeps the file
        /// mode in the high 16 bits.
        var madeBy: Int = 0
        var externalAttributes: UInt32 = 0
        /// The name in the member's local header, when it differs from the directory's (parsers disagree on which
        /// one counts).
        var localName: [UInt8]?
        /// Where the member's compressed bytes start (after its local header), once the local header was read.
        var dataOffset: Int64 = -1
        /// Other names extractors may write the member under: an Info-ZIP Unicode Path extra field (0x7075) in its
        /// directory entry or local header names it anew (unzip and 7-Zip extract it under that name). Each is judged
        /// like the member's own name.
        var unicodeNames: [String] = []
        /// A field the local header gives otherwise than the directory (compression method, encryption): extractors
        /// that read the local header (Info-ZIP's unzip takes its method) and those that read the directory unpack
        /// the member differently.
        var localDisagreement: String?

        /// The member's name and every other name an extractor may use, each once.
        var allNames: [String] {
            var names = [name]
            for other in unicodeNames where !names.contains(other) { names.append(other) }
            return names
        }

        var isEncrypted: Bool { flags & 0x1 != 0 }
        var isDirectory: Bool { name.hasSuffix("/") }
        /// A symbolic link: its data is a path another tool follows when it extracts the archive. Judged from the mode
        /// bits whatever host the archive claims.
        var isSymbolicLink: Bool { (externalAttributes >> 16) & 0o170000 == 0o120000 }
    }

    enum Problem: Error, Equatable {
        case malformed(String)
        /// The directory sits `bytes` further into the file than the end record says: data was put in front (a second
        /// archive, a self-extractor, a polyglot).
        case prepended(bytes: Int64)
    }

    var entries: [Entry]
    var usesZip64: Bool
    /// EOCD signatures found near the end (more than one: several archives or a forged directory).
    var endRecords: Int
    /// Bytes of the file no entry or directory accounts for (prepended data, a second archive, hidden entries).
    var unaccountedBytes: Int64
    /// Entries whose data overlaps another's (a zip-bomb technique).
    var overlapping: Bool

    static let maximumEntries = 1_000_000

    static func read(_ cursor: inout FileCursor) -> Result<ZipDirectory, Problem> {
        let size = cursor.size
        guard size >= 22 else { return .failure(.malformed("shorter than an end-of-central-directory record")) }
        // The end record: 22 bytes plus a comment of up to 65535 bytes, at the very end.
        let searchStart = max(0, size - 22 - 65_535)
        guard cursor.seek(to: searchStart), let tail = readAll(&cursor, count: Int(size - searchStart)) else {
            return .failure(.malformed("the end of the file cannot be read"))
        }
        var endOffsets: [Int64] = []
        var index = tail.count - 22
        while index >= 0 {
            if tail[index] == 0x50, tail[index + 1] == 0x4B, tail[index + 2] == 0x05, tail[index + 3] == 0x06 {
                endOffsets.append(searchStart + Int64(index))
            }
            index -= 1
        }
        guard
            let end = endOffsets.first(where: { offset in
                let local = Int(offset - searchStart)
                let commentLength = Int(tail[local + 20]) | Int(tail[local + 21]) << 8
                return offset + 22 + Int64(commentLength) == size
            })
        else {
            return .failure(.malformed("no end-of-central-directory record ends the file"))
        }
        let record = Array(tail[Int(end - searchStart)..<Int(end - searchStart) + 22])
        func le16(_ bytes: [UInt8], _ at: Int) -> Int64 { Int64(bytes[at]) | Int64(bytes[at + 1]) << 8 }
        func le32(_ bytes: [UInt8], _ at: Int) -> Int64 { le16(bytes, at) | le16(bytes, at + 2) << 16 }
        func le64(_ bytes: [UInt8], _ at: Int) -> Int64 { le32(bytes, at) | le32(bytes, at + 4) << 32 }
        var entryCount = le16(record, 10)
        var directorySize = le32(record, 12)
        var directoryOffset = le32(record, 16)
        var zip64 = false
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the end record points at the ZIP64 end record.
            guard end >= 20, cursor.seek(to: end - 20), let locator = cursor.bytes(20), locator.starts(with: [0x50, 0x4B, 0x06, 0x07]) else {
                return .failure(.malformed("a ZIP64 archive without a ZIP64 locator"))
            }
            let recordOffset = le64(locator, 8)
            guard recordOffset >= 0, cursor.seek(to: recordOffset), let zip64Record = cursor.bytes(56),
                zip64Record.starts(with: [0x50, 0x4B, 0x06, 0x06])
            else {
                return .failure(.malformed("the ZIP64 end record is missing"))
            }
            entryCount = le64(zip64Record, 32)
            directorySize = le64(zip64Record, 40)
            directoryOffset = le64(zip64Record, 48)
            zip64 = true
        }
        guard entryCount >= 0, entryCount <= Int64(maximumEntries), directoryOffset >= 0, directorySize >= 0, directoryOffset <= size,
            directorySize <= size,
            directoryOffset + directorySize <= end
        else {
            return .failure(.malformed("the central directory lies outside the file"))
        }
        if !zip64, directoryOffset + directorySize < end {
            let actual = end - directorySize
            if cursor.seek(to: actual), let signature = cursor.bytes(4), signature == [0x50, 0x4B, 0x01, 0x02] {
                return .failure(.prepended(bytes: actual - directoryOffset))
            }
        }
        guard cursor.seek(to: directoryOffset) else { return .failure(.malformed("the central directory cannot be read")) }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(min(entryCount, 10_000)))
        for _ in 0..<entryCount {
            guard let fixed = cursor.bytes(46), fixed.starts(with: [0x50, 0x4B, 0x01, 0x02]) else {
                return .failure(.malformed("a central directory entry is damaged"))
            }
            let nameLength = Int(le16(fixed, 28))
            let extraLength = Int(le16(fixed, 30))
            let commentLength = Int(le16(fixed, 32))
            guard let nameBytes = cursor.bytes(nameLength), let extra = cursor.bytes(extraLength), cursor.skip(Int64(commentLength)) else {
                return .failure(.malformed("a central directory entry runs past the directory"))
            }
            var entry = Entry(
                name: String(decoding: nameBytes, as: UTF8.self),
                nameBytes: nameBytes,
                flags: Int(le16(fixed, 8)),
                method: Int(le16(fixed, 10)),
                compressedSize: le32(fixed, 20),
                uncompressedSize: le32(fixed, 24),
                localHeaderOffset: le32(fixed, 42),
                usesZip64: false,
                crc32: UInt32(le32(fixed, 16)),
                madeBy: Int(le16(fixed, 4)),
                externalAttributes: UInt32(le32(fixed, 38))
            )
            entry.unicodeNames = unicodePathNames(extra)
            // The ZIP64 extra field holds, in order, the fields that are 0xFFFFFFFF above.
            if entry.uncompressedSize == 0xFFFF_FFFF || entry.compressedSize == 0xFFFF_FFFF || entry.localHeaderOffset == 0xFFFF_FFFF {
                var position = 0
                var found = false
                while position + 4 <= extra.count {
                    let tag = le16(extra, position)
                    let length = Int(le16(extra, position + 2))
                    guard position + 4 + length <= extra.count else { break }
                    if tag == 0x0001 {
                        var field = position + 4
                        func next() -> Int64? {
                            guard field + 8 <= position + 4 + length else { return nil }
                            defer { field += 8 }
                            return le64(extra, field)
                        }
                        if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = next() ?? -1 }
                        if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = next() ?? -1 }
                        if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = next() ?? -1 }
                        found = true
                    }
                    position += 4 + length
                }
                guard found, entry.uncompressedSize >= 0, entry.compressedSize >= 0, entry.localHeaderOffset >= 0 else {
                    return .failure(.malformed("a ZIP64 entry without its extended sizes"))
                }
                entry.usesZip64 = true
                zip64 = true
            }
            // Every size and offset within the file (a forged ZIP64 value must not overflow the arithmetic below);
            // a member may inflate to more than the file, never start or span beyond it.
            guard entry.compressedSize <= size, entry.localHeaderOffset <= size, entry.uncompressedSize <= Int64.max / 2 else {
                return .failure(.malformed("entry '\(entry.name)' has sizes or offsets beyond the file"))
            }
            entries.append(entry)
        }
        // Cross-check against the local headers: every byte before the directory belongs to exactly one entry.
        var spans: [(start: Int64, end: Int64)] = []
        for (position, entry) in entries.enumerated() {
            guard entry.localHeaderOffset >= 0, entry.localHeaderOffset + 30 <= directoryOffset, cursor.seek(to: entry.localHeaderOffset),
                let local = cursor.bytes(30), local.starts(with: [0x50, 0x4B, 0x03, 0x04])
            else {
                return .failure(.malformed("entry '\(entry.name)' has no local header where the directory says"))
            }
            // Members written as ZIP64 may say so only in their local header.
            let localExtraLength = Int(le16(local, 28))
            let localNameBytes = cursor.bytes(Int(le16(local, 26)))
            if localNameBytes != entry.nameBytes { entries[position].localName = localNameBytes ?? [] }
            if Int(le16(local, 8)) != entry.method {
                entries[position].localDisagreement = "compression method \(le16(local, 8)) in its local header, \(entry.method) in the directory"
            } else if Int(le16(local, 6)) & 0x41 != entry.flags & 0x41 {
                entries[position].localDisagreement = "encrypted in one of its headers only"
            }
            let localExtra = localNameBytes == nil ? nil : cursor.bytes(localExtraLength)
            if le32(local, 18) == 0xFFFF_FFFF || le32(local, 22) == 0xFFFF_FFFF {
                zip64 = true
            } else if let localExtra {
                var position = 0
                while position + 4 <= localExtra.count {
                    if le16(localExtra, position) == 0x0001 { zip64 = true }
                    position += 4 + Int(le16(localExtra, position + 2))
                }
            }
            for other in unicodePathNames(localExtra ?? []) where !entries[position].unicodeNames.contains(other) {
                entries[position].unicodeNames.append(other)
            }
            entries[position].dataOffset = entry.localHeaderOffset + 30 + le16(local, 26) + Int64(localExtraLength)
            var dataEnd = entries[position].dataOffset + entry.compressedSize
            if entry.flags & 0x8 != 0 {
                // A data descriptor follows: 12 or 16 bytes, plus an optional signature, 8-byte sizes with ZIP64.
                let base: Int64 = entry.usesZip64 ? 20 : 12
                if cursor.seek(to: dataEnd), let signature = cursor.bytes(4), signature == [0x50, 0x4B, 0x07, 0x08] {
                    dataEnd += base + 4
                } else {
                    dataEnd += base
                }
            }
            guard dataEnd <= directoryOffset else { return .failure(.malformed("entry '\(entry.name)' runs into the central directory")) }
            spans.append((entry.localHeaderOffset, dataEnd))
        }
        spans.sort { $0.start < $1.start }
        var covered: Int64 = 0
        var previousEnd: Int64 = 0
        var overlapping = false
        var merged: [(start: Int64, end: Int64)] = []  // the spans joined where they touch or overlap, in order
        for span in spans {
            if span.start < previousEnd { overlapping = true }
            covered += span.end - max(span.start, previousEnd)
            if let last = merged.last, span.start <= last.end {
                merged[merged.count - 1].end = max(last.end, span.end)
            } else {
                merged.append(span)
            }
            previousEnd = max(previousEnd, span.end)
        }
        let zip64Trailer: Int64 = zip64 ? (end - (directoryOffset + directorySize)) : 0
        let unaccounted = directoryOffset - covered + (end - directoryOffset - directorySize - zip64Trailer)
        // End records inside a listed entry's data belong to that member (a stored inner archive), not to this file.
        // One binary search per end record over the joined spans: entries times end records was quadratic (attack
        // round 12: 65,000 entries, each a stored archive, took 85 s).
        let outside = endOffsets.filter { offset in
            var low = 0
            var high = merged.count
            while low < high {
                let middle = (low + high) / 2
                if merged[middle].start <= offset { low = middle + 1 } else { high = middle }
            }
            return low == 0 || offset >= merged[low - 1].end
        }
        return .success(
            ZipDirectory(
                entries: entries,
                usesZip64: zip64,
                endRecords: outside.count,
                unaccountedBytes: max(0, unaccounted),
                overlapping: overlapping
            )
        )
    }

    /// The names in Info-ZIP Unicode Path extra fields (0x7075: a version byte, the CRC-32 of the header name, the
    /// name in UTF-8), whatever their version or CRC say: an extractor that checks neither would still use them.
    static func unicodePathNames(_ extra: [UInt8]) -> [String] {
        func le16(_ bytes: [UInt8], _ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        var names: [String] = []
        var position = 0
        while position + 4 <= extra.count {
            let tag = le16(extra, position)
            let length = Int(le16(extra, position + 2))
            guard position + 4 + length <= extra.count else { break }
            if tag == 0x7075, length >= 5 {
                let name = String(decoding: extra[(position + 9)..<(position + 4 + length)], as: UTF8.self)
                if !names.contains(name) { names.append(name) }
            }
            position += 4 + length
        }
        return names
    }

    private static func readAll(_ cursor: inout FileCursor, count: Int) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        var left = count
        while left > 0 {
            guard let chunk = cursor.bytes(min(left, 1 << 16)) else { return nil }
            result += chunk
            left -= chunk.count
        }
        return result
    }

    /// A member name that would escape the extraction directory or hide what it is.
    static func nameProblem(_ entry: Entry) -> String? {
        let name = entry.name
        if entry.nameBytes.contains(0) { return "'\(name)' contains a NUL byte" }
        if name.hasPrefix("/") || name.hasPrefix("\\") { return "'\(name)' is an absolute path" }
        if name.contains("\\") { return "'\(name)' uses backslashes" }
        if name.count >= 2, name.dropFirst().first == ":" { return "'\(name)' names a drive" }
        if name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." }) { return "'\(name)' climbs out with '..'" }
        if !entry.isDirectory, let problem = FilenamePolicy.problem(with: String(name.split(separator: "/").last ?? "")) {
            return "'\(name)': \(problem.detail)"
        }
        return nil
    }
}
