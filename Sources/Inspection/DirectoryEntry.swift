#if canImport(Glibc)
import Glibc
#endif

/// Names from `readdir`'s records, read where they lie.
enum DirectoryEntry {
    /// The entry's name, without its NUL. A record is only as long as its name (`d_reclen`), not `dirent`'s full
    /// size: copying the whole `dirent` (`entry.pointee`, or `entry.pointee.d_name` as a value) reads up to 255 bytes
    /// past a short last record, into whatever follows the directory buffer. When that is an unmapped page the process
    /// crashes (it happened: the reconciler over a temporary directory of 7,000 entries), and whoever names the files
    /// (an inspector in its scratch directory) chooses how short the records are.
    static func name(_ entry: UnsafeMutablePointer<dirent>) -> [CChar] {
        // `&entry.pointee.d_name` is the field's own address (no copy): the name is read only up to its NUL.
        withUnsafeMutablePointer(to: &entry.pointee.d_name) { field in
            let start = UnsafeRawPointer(field).assumingMemoryBound(to: CChar.self)
            return Array(UnsafeBufferPointer(start: start, count: strlen(start)))
        }
    }
}
