import AirlockCore
import Crypto
import Synchronization

/// SHA-256 and MD5 of a download, computed as its bytes reach the temp file (the worker hashes while it streams,
/// instead of reading the file again). A retry that starts over at offset 0 starts the digests over; bytes that do
/// not continue where the last run ended spoil them, and the inspection then hashes the file itself.
final class StreamingDigest: Sendable {
    private struct State {
        var sha256 = SHA256()
        var md5 = Insecure.MD5()
        var next: Int64 = 0
        var spoiled = false
    }

    private let state = Mutex(State())

    /// The observer to hand to ``ObjectStore/download(_:ifMatch:to:observe:)``.
    var observer: DownloadObserver {
        { [self] bytes, offset in
            state.withLock { state in
                if offset == 0 { state = State() }
                guard !state.spoiled, offset == state.next else {
                    state.spoiled = true
                    return
                }
                state.sha256.update(bufferPointer: bytes)
                state.md5.update(bufferPointer: bytes)
                state.next += Int64(bytes.count)
            }
        }
    }

    /// The digests of exactly `size` bytes from offset 0, or nil when what was seen was not that.
    func digests(size: Int64) -> FileDigests? {
        state.withLock { state in
            guard !state.spoiled, state.next == size else { return nil }
            return FileDigests(size: size, sha256: Hex.lowercase(state.sha256.finalize()), md5: Hex.lowercase(state.md5.finalize()))
        }
    }
}
