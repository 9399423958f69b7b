public import AirlockCore
import Crypto
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The object-store port in memory, for tests of the worker's shell without a server: objects with MD5 ETags and
/// user metadata, and a count of the requests each operation got. Tests of the worker's shell and the API's routes use it.
public final class MemoryObjectStore: ObjectStore {
    struct Object {
        var bytes: [UInt8]
        var contentType: String?
        var metadata: [String: String]
        var written: Int
    }

    public init() {}

    private let state = Mutex<(objects: [ObjectRef: Object], requests: [String: Int], writes: Int)>(([:], [:], 0))

    public func requests(_ operation: String) -> Int { state.withLock { $0.requests[operation] ?? 0 } }

    public func put(_ bytes: [UInt8], at object: ObjectRef, metadata: [String: String] = [:]) {
        state.withLock { state in
            state.writes += 1
            state.objects[object] = Object(bytes: bytes, contentType: nil, metadata: metadata, written: state.writes)
        }
    }

    public func bytes(at object: ObjectRef) -> [UInt8]? { state.withLock { $0.objects[object]?.bytes } }

    private func count(_ operation: String) { state.withLock { $0.requests[operation, default: 0] += 1 } }

    private static func info(_ object: Object) -> ObjectInfo {
        ObjectInfo(
            size: Int64(object.bytes.count),
            etag: Hex.lowercase(Insecure.MD5.hash(data: object.bytes)),
            contentType: object.contentType,
            metadata: object.metadata,
            lastModified: String(object.written)
        )
    }

    public func head(_ object: ObjectRef) async throws -> ObjectInfo? {
        count("head")
        return state.withLock { $0.objects[object].map(Self.info) }
    }

    public func download(_ object: ObjectRef, ifMatch etag: String?, to descriptor: Int32, observe: DownloadObserver?) async throws -> ObjectInfo {
        count("download")
        guard let stored = state.withLock({ $0.objects[object] }) else { throw StoreFailure(.notFound, "no \(object)") }
        guard ftruncate(descriptor, 0) == 0 else { throw StoreFailure(.transient, "truncate failed") }
        try stored.bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = pwrite(descriptor, raw.baseAddress! + offset, raw.count - offset, off_t(offset))
                guard written > 0 else { throw StoreFailure(.transient, "write failed") }
                observe?(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + written]), Int64(offset))
                offset += written
            }
        }
        return Self.info(stored)
    }

    public func copy(
        from source: ObjectRef,
        ifMatch etag: String,
        size: Int64,
        to destination: ObjectRef,
        contentType: String?,
        metadata: [(name: String, value: String)]
    ) async throws -> CopyOutcome {
        count("copy")
        return try state.withLock { state in
            guard let stored = state.objects[source] else { throw StoreFailure(.notFound, "no \(source)") }
            state.writes += 1
            let copied = Object(
                bytes: stored.bytes,
                contentType: contentType,
                metadata: Dictionary(metadata, uniquingKeysWith: { $1 }),
                written: state.writes
            )
            state.objects[destination] = copied
            return CopyOutcome(etag: Self.info(copied).etag, partSize: nil)
        }
    }

    public func upload(
        from descriptor: Int32,
        size: Int64,
        to destination: ObjectRef,
        contentType: String?,
        metadata: [(name: String, value: String)],
        md5: String?,
        sha256: String?
    ) async throws -> String {
        count("upload")
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard read == Int(size) else { throw StoreFailure(.transient, "short read") }
        if let md5, md5 != Hex.lowercase(Insecure.MD5.hash(data: bytes)) { throw StoreFailure(.permanent, "BadDigest") }
        return state.withLock { state in
            state.writes += 1
            let object = Object(
                bytes: bytes,
                contentType: contentType,
                metadata: Dictionary(metadata, uniquingKeysWith: { $1 }),
                written: state.writes
            )
            state.objects[destination] = object
            return Self.info(object).etag
        }
    }

    public func delete(_ object: ObjectRef) async throws {
        count("delete")
        _ = state.withLock { $0.objects.removeValue(forKey: object) }
    }

    public func list(bucket: String, prefix: String, startAfter: String?, limit: Int) async throws -> (objects: [ListedObjectInfo], more: Bool) {
        count("list")
        let all = state.withLock { state in
            state.objects.filter { entry in
                entry.key.bucket == bucket && entry.key.key.hasPrefix(prefix) && startAfter.map { entry.key.key > $0 } ?? true
            }
            .sorted { $0.key.key < $1.key.key }
            .map {
                ListedObjectInfo(
                    key: $0.key.key,
                    size: Int64($0.value.bytes.count),
                    etag: Self.info($0.value).etag,
                    lastModified: Timestamp.iso8601(0)
                )
            }
        }
        return (Array(all.prefix(limit)), all.count > limit)
    }

    public func abortMultipartUpload(_ object: ObjectRef, uploadID: String) async throws {}

    public func createMultipartUpload(_ object: ObjectRef, contentType: String, metadata: [(name: String, value: String)]) async throws -> String {
        UUID().uuidString
    }

    public func completeMultipartUpload(_ object: ObjectRef, uploadID: String, parts: [(number: Int, etag: String)]) async throws {}
}
