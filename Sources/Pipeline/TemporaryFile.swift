#if canImport(Glibc)
import Glibc
#endif

/// A private temporary file (mode 0600) for one object; closed and removed when released.
final class TemporaryFile {
    let path: String
    let descriptor: Int32

    init(in directory: String) throws(StoreFailureBox) {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast()) + Array("airlock-object-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw StoreFailureBox("a temporary file cannot be created in \(directory): \(String(cString: strerror(errno)))") }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
        self.path = String(cString: template)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}

/// A local failure (temp files) reported like a transient store failure.
struct StoreFailureBox: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
