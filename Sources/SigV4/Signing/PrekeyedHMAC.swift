import Crypto

/// HMAC-SHA256 with the key pads already absorbed (RFC 2104): the inner and outer hash states after one block each.
///
/// Signing a message then costs a copy of each state and the message's own blocks, instead of hashing both pads again
/// per call as `HMAC<SHA256>` does.
struct PrekeyedHMAC: @unchecked Sendable {  // SHA256 is a value type; copies never share mutable state.
    private let inner: SHA256
    private let outer: SHA256

    /// - Parameter key: At most 64 bytes (SigV4 keys are 32).
    init<Key: Collection<UInt8>>(key: Key) {
        precondition(key.count <= 64, "PrekeyedHMAC takes keys of at most one SHA-256 block")
        var innerPad = [UInt8](repeating: 0x36, count: 64)
        var outerPad = [UInt8](repeating: 0x5C, count: 64)
        for (index, byte) in key.enumerated() {
            innerPad[index] ^= byte
            outerPad[index] ^= byte
        }
        var inner = SHA256()
        innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = SHA256()
        outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    /// The MAC of `message`, handed to `body` as 32 raw bytes.
    @inline(__always)
    func authenticate<R>(_ message: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var innerHash = inner
        innerHash.update(bufferPointer: message)
        let innerDigest = innerHash.finalize()
        var outerHash = outer
        innerDigest.withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        return outerHash.finalize().withUnsafeBytes(body)
    }
}
