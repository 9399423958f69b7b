import AirlockCore

#if canImport(Glibc)
import Glibc
#endif

/// A private temporary file (mode 0600) for one object; closed and removed when released.
final class TemporaryFile {
    let path: String
    let descriptor: Int32

    init(in directory: String) throws(StoreFailureBox) {
        var template =
            Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast()) + Array("airlock-object-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw StoreFailureBox("a temporary file cannot be created in \(directory): \(String(cString: strerror(errno)))")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
        self.path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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

/// An object streamed into a private temp file and hashed on the way: the only bytes the pipeline inspects, places
/// or compares (no second read of the object, no trust in its ETag).
struct PrivateCopy {
    let file: TemporaryFile
    let info: ObjectInfo
    /// The digests of the whole file, unless the download arrived out of order.
    let digests: FileDigests?

    /// `nil` when the object does not exist.
    static func fetch(_ object: ObjectRef, from store: any ObjectStore, into directory: String) async throws -> PrivateCopy? {
        let file = try TemporaryFile(in: directory)
        let digest = StreamingDigest()
        do {
            let info = try await store.download(object, ifMatch: nil, to: file.descriptor, observe: digest.observer)
            return PrivateCopy(file: file, info: info, digests: digest.digests(size: info.size))
        } catch let failure as StoreFailure where failure.kind == .notFound {
            return nil
        }
    }
}
