/// Query parameters of a canonical request: encoded once, sorted by encoded name, then by encoded value.
///
/// The encoded names and values live back to back in one buffer and only their offsets are sorted. The signer's own
/// `X-Amz-*` presign parameters are not stored here: they are written as one group (see ``Signer/writeQuery``), which
/// is contiguous in sort order because no caller parameter may start with `X-Amz-`.
struct CanonicalQuery {
    private struct Span {
        var start: Int
        var nameEnd: Int
        var end: Int
    }

    private var storage: [UInt8] = []
    private var spans: [Span] = []

    init() {}

    var isEmpty: Bool { spans.isEmpty }

    /// Bytes ``write(to:range:separatorBefore:)`` produces for every parameter (with `=` and `&`).
    var encodedLength: Int { storage.count + spans.count * 2 }

    /// Adds a parameter given decoded; both sides are URI-encoded (`/` too).
    mutating func add(name: String, value: String) {
        if storage.isEmpty { storage.reserveCapacity(128) }
        let start = storage.count
        ByteEncoding.appendURIEncoded(name, keepSlash: false, to: &storage)
        let nameEnd = storage.count
        ByteEncoding.appendURIEncoded(value, keepSlash: false, to: &storage)
        spans.append(Span(start: start, nameEnd: nameEnd, end: storage.count))
    }

    /// Sorts by encoded name, then encoded value (insertion sort: queries hold a handful of parameters).
    mutating func sort() {
        guard spans.count > 1 else { return }
        storage.withUnsafeBufferPointer { bytes in
            func precedes(_ a: Span, _ b: Span) -> Bool {
                let nameA = bytes[a.start..<a.nameEnd]
                let nameB = bytes[b.start..<b.nameEnd]
                if nameA.elementsEqual(nameB) {
                    return bytes[a.nameEnd..<a.end].lexicographicallyPrecedes(bytes[b.nameEnd..<b.end])
                }
                return nameA.lexicographicallyPrecedes(nameB)
            }
            for index in 1..<spans.count {
                let item = spans[index]
                var position = index
                while position > 0, precedes(item, spans[position - 1]) {
                    spans[position] = spans[position - 1]
                    position -= 1
                }
                spans[position] = item
            }
        }
    }

    /// How many (sorted) parameters have a name that sorts before the signer's `X-Amz-` group.
    var countBeforeSignerGroup: Int {
        let marker: StaticString = "X-Amz-"
        let prefix = UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount)
        return storage.withUnsafeBufferPointer { bytes in
            spans.prefix { span in bytes[span.start..<span.nameEnd].lexicographicallyPrecedes(prefix) }.count
        }
    }

    /// Whether any parameter name starts with `X-Amz-` (reserved for the signer).
    var hasSignerName: Bool {
        let marker = Array("X-Amz-".utf8)
        return storage.withUnsafeBufferPointer { bytes in
            spans.contains { span in
                span.nameEnd - span.start >= marker.count && bytes[span.start..<(span.start + marker.count)].elementsEqual(marker)
            }
        }
    }

    var count: Int { spans.count }

    /// Writes `name=value` pairs of `range` joined by `&`, with a leading `&` when `separatorBefore`.
    func write(to out: inout ByteWriter, range: Range<Int>, separatorBefore: Bool) {
        storage.withUnsafeBufferPointer { bytes in
            for index in range {
                let span = spans[index]
                if separatorBefore || index > range.lowerBound { out.write(UInt8(ascii: "&")) }
                out.write(UnsafeBufferPointer(rebasing: bytes[span.start..<span.nameEnd]))
                out.write(UInt8(ascii: "="))
                out.write(UnsafeBufferPointer(rebasing: bytes[span.nameEnd..<span.end]))
            }
        }
    }
}
