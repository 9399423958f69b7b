import Foundation
import Testing

@testable import Inspection

/// `readdir` records are only as long as their names: a name is read in place, never as a copy of the whole `dirent`
/// (a crash of the test suite's reconciler over a large temporary directory, and reachable from an inspector's
/// scratch directory in the worker's usage walk).
struct DirectoryEntryTests {
    /// A short record is the last thing before an unmapped page: reading its name touches nothing past its NUL. Copying
    /// the whole `dirent` (the old code) faults here, which ends the test run: a failure no one can miss.
    @Test(arguments: ["a", "member", String(repeating: "n", count: 200)])
    func aShortLastRecordBeforeAnUnmappedPageIsReadInPlace(_ name: String) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapping = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, 2 * page) }
        try #require(mprotect(mapping + page, page, PROT_NONE) == 0)
        let nameOffset = try #require(MemoryLayout<dirent>.offset(of: \dirent.d_name))
        // The kernel's record length: header, name, NUL, rounded up to 8.
        let length = (nameOffset + name.utf8.count + 1 + 7) & ~7
        #expect(length < MemoryLayout<dirent>.size, "the record must be shorter than a whole dirent to test anything")
        let record = mapping + page - length
        memset(record, 0, length)
        record.storeBytes(of: UInt16(length), toByteOffset: MemoryLayout<dirent>.offset(of: \dirent.d_reclen) ?? 16, as: UInt16.self)
        for (index, byte) in name.utf8.enumerated() { record.storeBytes(of: byte, toByteOffset: nameOffset + index, as: UInt8.self) }
        let read = DirectoryEntry.name(record.assumingMemoryBound(to: dirent.self))
        #expect(String(decoding: read.map { UInt8(bitPattern: $0) }, as: UTF8.self) == name)
    }
}
