/// The query part of a canonical request: parameters encoded once, sorted by encoded name, then by encoded value.
///
/// The encoded `name=value` pairs live back to back in one buffer and only their offsets are sorted, so building a
/// query costs two allocations however many parameters it has.
struct CanonicalQuery {
    private struct Span {
        var start: Int
        var nameEnd: Int
        var end: Int
    }

    private var storage: [UInt8] = []
    private var spans: [Span] = []

    init(capacity: Int = 256) {
        storage.reserveCapacity(capacity)
        spans.reserveCapacity(8)
    }

    var isEmpty: Bool { spans.isEmpty }

    /// Adds a parameter given decoded; both sides are URI-encoded (`/` too).
    mutating func add(name: String, value: String) {
        let start = storage.count
        ByteEncoding.appendURIEncoded(name, keepSlash: false, to: &storage)
        let nameEnd = storage.count
        ByteEncoding.appendURIEncoded(value, keepSlash: false, to: &storage)
        spans.append(Span(start: start, nameEnd: nameEnd, end: storage.count))
    }

    /// Adds a parameter whose name is a literal made of unreserved characters and whose value is already encoded.
    mutating func add(literalName: StaticString, encodedValue: [UInt8]) {
        let start = storage.count
        storage.append(static: literalName)
        let nameEnd = storage.count
        storage.append(contentsOf: encodedValue)
        spans.append(Span(start: start, nameEnd: nameEnd, end: storage.count))
    }

    /// Adds a parameter whose name is a literal made of unreserved characters and whose value is written by `body`
    /// (which must write encoded bytes).
    mutating func add(literalName: StaticString, encodedValue body: (inout [UInt8]) -> Void) {
        let start = storage.count
        storage.append(static: literalName)
        let nameEnd = storage.count
        body(&storage)
        spans.append(Span(start: start, nameEnd: nameEnd, end: storage.count))
    }

    /// Writes `name=value&name=value...` in canonical order.
    mutating func write(to out: inout [UInt8]) {
        sortSpans()
        storage.withUnsafeBufferPointer { bytes in
            for (index, span) in spans.enumerated() {
                if index > 0 { out.append(UInt8(ascii: "&")) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[span.start..<span.nameEnd]))
                out.append(UInt8(ascii: "="))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[span.nameEnd..<span.end]))
            }
        }
    }

    /// Insertion sort: queries have a handful of parameters, usually added nearly in order.
    private mutating func sortSpans() {
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
}
