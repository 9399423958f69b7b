extension Signer {
    /// Checks expiry is within 1...604800 seconds.
    static func validateExpiry(_ expires: Int) throws(SigV4Error) {
        guard (1...maximumExpiry).contains(expires) else {
            throw SigV4Error(.invalidExpiry, "expiry must be between 1 and \(maximumExpiry) seconds, got \(expires)")
        }
    }

    /// An upper bound of the bytes ``writePresignQuery(extras:entry:time:expires:signedHeaders:signSessionToken:to:)``
    /// writes.
    func presignQueryLength(extras: CanonicalQuery?, entry: SigningKeyCache.Entry, signedHeadersLength: Int) -> Int {
        // "X-Amz-Algorithm=AWS4-HMAC-SHA256" "&X-Amz-Credential=" "&X-Amz-Date=" + 16 "&X-Amz-Expires=" + 6
        // "&X-Amz-Security-Token=" "&X-Amz-SignedHeaders=" and separators
        160 + entry.encodedCredential.count + (encodedSessionToken?.count ?? 0) + signedHeadersLength * 3 + (extras?.encodedLength ?? 0)
    }

    /// Writes the canonical (and URL) query of a presigned request: the caller's parameters with the signer's
    /// `X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`, `-Security-Token` and `-SignedHeaders` in sort order.
    func writePresignQuery(
        extras: CanonicalQuery?,
        entry: SigningKeyCache.Entry,
        time: SigningTime,
        expires: Int,
        signedHeaders: UnsafeBufferPointer<UInt8>,
        signSessionToken: Bool = true,
        to out: inout ByteWriter
    ) {
        let before = extras?.countBeforeSignerGroup ?? 0
        if let extras, before > 0 {
            extras.write(to: &out, range: 0..<before, separatorBefore: false)
            out.write(UInt8(ascii: "&"))
        }
        out.write("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=")
        out.write(entry.encodedCredential)
        out.write("&X-Amz-Date=")
        time.writeAmzDate(to: &out)
        out.write("&X-Amz-Expires=")
        out.writeDecimal(expires)
        if signSessionToken, let token = encodedSessionToken {
            out.write("&X-Amz-Security-Token=")
            out.write(token)
        }
        out.write("&X-Amz-SignedHeaders=")
        out.writeURIEncoded(signedHeaders, keepSlash: false)
        if let extras, extras.count > before {
            extras.write(to: &out, range: before..<extras.count, separatorBefore: true)
        }
    }

    /// Caller query parameters, encoded and sorted; refuses names starting with `X-Amz-` (the signer's).
    static func canonicalQuery(_ items: [(name: String, value: String)]) throws(SigV4Error) -> CanonicalQuery? {
        guard !items.isEmpty else { return nil }
        var query = CanonicalQuery()
        for item in items {
            guard !item.name.isEmpty, !item.name.lowercased().hasPrefix("x-amz-") else {
                throw SigV4Error(.invalidHeader, "query parameter '\(item.name)' is empty or reserved for the signer")
            }
            query.add(name: item.name, value: item.value)
        }
        query.sort()
        return query
    }
}
