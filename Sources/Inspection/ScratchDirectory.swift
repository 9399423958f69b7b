#if canImport(Glibc)
import Glibc
#endif

/// One process's private directory for scan temp files: archive members Airlock extracts and libclamav's own.
///
/// Named `airlock-scan.<pid>.<random>` (mode 0700) so that a later start can tell a killed process's leftovers from a
/// live process's directory: ``sweep(in:)`` removes the directories of processes that no longer exist. Every member
/// file is also unlinked as soon as its inspection ends, on every path (``ZipMember/Extracted``), and the directory is
/// removed when the process lets go of it.
public final class ScratchDirectory: Sendable {
    public let path: String
    static let prefix = "airlock-scan."

    /// Sweeps what killed processes left in `base`, then creates this process's directory there.
    public init(in base: String) throws(InspectionError) {
        _ = Self.sweep(in: base)
        let parent = base.hasSuffix("/") ? String(base.dropLast()) : base
        var template = Array("\(parent)/\(Self.prefix)\(getpid()).XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw InspectionError(.io, "a scan directory cannot be created in \(base): \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        Self.removeTree(path)
    }

    /// Removes, in `base`, every scan directory whose process is gone and member files older than an hour from
    /// versions that extracted straight into `base`; returns how many entries it removed.
    @discardableResult
    public static func sweep(in base: String) -> Int {
        guard let directory = opendir(base) else { return 0 }
        defer { closedir(directory) }
        var removed = 0
        let parent = base.hasSuffix("/") ? String(base.dropLast()) : base
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let full = "\(parent)/\(name)"
            if name.hasPrefix(prefix) {
                let pidText = name.dropFirst(prefix.count).prefix { $0 != "." }
                guard let pid = pid_t(pidText), pid > 0, pid != getpid(), kill(pid, 0) == -1, errno == ESRCH else { continue }
                removeTree(full)
                removed += 1
            } else if name.hasPrefix("airlock-member-") {
                var info = stat()
                guard lstat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, time(nil) - info.st_mtim.tv_sec > 3600 else { continue }
                if unlink(full) == 0 { removed += 1 }
            }
        }
        return removed
    }

    /// Removes a directory and everything in it, without following symbolic links.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            unlink(path)
            return
        }
        if let directory = opendir(path) {
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { removeTree("\(path)/\(name)") }
        }
        rmdir(path)
    }
}
