/// The signed headers of a canonical request: names lowercased and sorted, values trimmed with inner whitespace
/// collapsed, repeated names merged with `,` in the order they were given.
struct CanonicalHeaders {
    private(set) var items: [(name: String, value: String)] = []

    init() {
        items.reserveCapacity(4)
    }

    /// Adds a header whose name is already lowercase and whose value is already normalized (the signer's own).
    mutating func addNormalized(name: String, value: String) {
        items.append((name, value))
    }

    /// Adds a header as a caller gave it.
    mutating func add(name: String, value: String) {
        items.append((Self.lowercased(name), Self.normalizedValue(value)))
    }

    func contains(_ lowercasedName: String) -> Bool {
        items.contains { $0.name == lowercasedName }
    }

    /// An upper bound of the bytes ``write(canonicalTo:)`` produces.
    var canonicalLength: Int { items.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 } }

    /// An upper bound of the bytes ``write(signedHeadersTo:)`` produces.
    var signedHeadersLength: Int { items.reduce(0) { $0 + $1.name.utf8.count + 1 } }

    /// Writes `name:value\n` lines. Call ``sort()`` first.
    func write(canonicalTo out: inout ByteWriter) {
        var index = 0
        while index < items.count {
            let name = items[index].name
            out.write(utf8: name)
            out.write(UInt8(ascii: ":"))
            out.write(utf8: items[index].value)
            index += 1
            while index < items.count, items[index].name == name {
                out.write(UInt8(ascii: ","))
                out.write(utf8: items[index].value)
                index += 1
            }
            out.write(UInt8(ascii: "\n"))
        }
    }

    /// Writes `name;name;...` (unique names, sorted). Call ``sort()`` first.
    func write(signedHeadersTo out: inout ByteWriter) {
        var previous: String?
        for item in items where item.name != previous {
            if previous != nil { out.write(UInt8(ascii: ";")) }
            out.write(utf8: item.name)
            previous = item.name
        }
    }

    /// Writes the end of a canonical request after its query: `\n`, the header lines, `\n`, the signed header names,
    /// `\n` and the payload hash. Call ``sort()`` first.
    func writeCanonicalTail(to out: inout ByteWriter, signedHeaders: [UInt8], payloadHash: String) {
        out.write(UInt8(ascii: "\n"))
        write(canonicalTo: &out)
        out.write(UInt8(ascii: "\n"))
        out.write(signedHeaders)
        out.write(UInt8(ascii: "\n"))
        out.write(utf8: payloadHash)
    }

    /// The signed header names as bytes.
    var signedHeaders: [UInt8] {
        ByteWriter.bytes(capacity: signedHeadersLength) { write(signedHeadersTo: &$0) }
    }

    /// Stable insertion sort by name: merged values keep the order the caller gave them.
    mutating func sort() {
        guard items.count > 1 else { return }
        for index in 1..<items.count {
            let item = items[index]
            var position = index
            while position > 0, item.name.utf8.lexicographicallyPrecedes(items[position - 1].name.utf8) {
                items[position] = items[position - 1]
                position -= 1
            }
            items[position] = item
        }
    }

    static func lowercased(_ name: String) -> String {
        if !name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) { return name }
        return String(decoding: name.utf8.map { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Trims the value and collapses runs of spaces, tabs and line breaks into one space.
    static func normalizedValue(_ value: String) -> String {
        var needsWork = false
        var previousSpace = true
        for byte in value.utf8 {
            let isSpace = byte == UInt8(ascii: " ")
            if byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || (isSpace && previousSpace) {
                needsWork = true
                break
            }
            previousSpace = isSpace
        }
        if !needsWork && !previousSpace { return value }
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `name` is an HTTP token (RFC 9110) and so can be a header name.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                    UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
                    UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                    return true
                default:
                    return false
                }
            }
    }

    /// Whether `value` can be sent as a header value: no control characters (so no header injection).
    static func isValidValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            for byte in bytes where (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F {
                return false
            }
            return true
        }
    }
}
