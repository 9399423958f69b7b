import Glibc

/// PDF values and a tolerant lexer/parser for them (ISO 32000-1 section 7.3), for `PDFActiveContent`.
///
/// The parser never traps on hostile input: every index is bounds-checked, numbers are parsed with checked arithmetic,
/// nesting is bounded (deeper structures are skipped iteratively and reported), and unknown tokens are skipped. A
/// dictionary or array that is not well-formed is read on as before and reported through `PDFParser.malformation`:
/// readers recover from it differently, so what follows the stray token cannot be judged.
enum PDFValue: Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case real(Double)
    case string([UInt8])
    case name(String)
    case array([PDFValue])
    case dictionary([String: PDFValue])
    case reference(Int, Int)
    case stream(PDFStream)
    /// Every different value of a key a dictionary writes more than once (`/S /Launch … /S /GoTo`): readers differ on
    /// which one counts (pypdf and xpdf take the first, pdf.js and PDFium the last, poppler either past 32 entries), so
    /// `candidates` gives them all. Only ever a dictionary entry, never nested in itself.
    case alternatives([PDFValue])

    /// The streams this object's value is read as: itself, or every stream among its readings (an object left open
    /// up to the next one is read both ways, and the merged reading may be a stream: an object or xref stream too).
    var streamReadings: [PDFStream] {
        switch self {
        case .stream(let stream): [stream]
        case .alternatives(let values): values.flatMap(\.streamReadings)
        default: []
        }
    }

    /// Whether a key of this dictionary, or of one nested in it, is written more than once with different values.
    var hasAlternatives: Bool {
        switch self {
        case .alternatives: true
        case .array(let items): items.contains { $0.hasAlternatives }
        case .dictionary(let dictionary): dictionary.values.contains { $0.hasAlternatives }
        case .stream(let stream): stream.dictionary.values.contains { $0.hasAlternatives }
        default: false
        }
    }

    var dictionary: [String: PDFValue]? {
        switch self {
        case .dictionary(let dictionary): dictionary
        case .stream(let stream): stream.dictionary
        default: nil
        }
    }

    var name: String? {
        if case .name(let name) = self { return name }
        return nil
    }

    var integer: Int? {
        switch self {
        case .integer(let value): value
        case .real(let value) where value.isFinite && abs(value) < 1e15: Int(value)
        default: nil
        }
    }

    var isArray: Bool {
        if case .array = self { return true }
        return false
    }

    var isNumber: Bool {
        switch self {
        case .integer, .real: true
        default: false
        }
    }
}

/// A stream: its dictionary and where its (still encoded, possibly encrypted) data lies in the file.
struct PDFStream: Equatable {
    var dictionary: [String: PDFValue]
    /// Data bounds in the file buffer.
    var start: Int
    var end: Int
    /// Whether `end` came from a verified direct /Length (otherwise from the next `endstream`).
    var exact: Bool
    var number: Int
    var generation: Int
}

enum PDFLexer {
    static let objKeyword = Array("obj".utf8)
    static let endobjKeyword = Array("endobj".utf8)
    static let streamKeyword = Array("stream".utf8)
    static let endstreamKeyword = Array("endstream".utf8)

    /// Keywords that end an object: a container left open stops there, so the objects after it are still found.
    static func endsObject(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index < bytes.count else { return true }
        switch bytes[index] {
        case UInt8(ascii: "e"): return keyword(endobjKeyword, in: bytes, at: index)
        case UInt8(ascii: "s"): return keyword(streamKeyword, in: bytes, at: index)
        case UInt8(ascii: "o"): return keyword(objKeyword, in: bytes, at: index)
        default: return false
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }

    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x28, 0x29, 0x3C, 0x3E, 0x5B, 0x5D, 0x7B, 0x7D, 0x2F, 0x25: true
        default: false
        }
    }

    static func isRegular(_ byte: UInt8) -> Bool { !isWhitespace(byte) && !isDelimiter(byte) }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte &- 0x30
        case 0x61...0x66: byte &- 0x61 &+ 10
        case 0x41...0x46: byte &- 0x41 &+ 10
        default: nil
        }
    }

    /// Whether `keyword` starts at `index` and is followed by a non-regular byte (or the end).
    static func keyword(_ keyword: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index <= bytes.count - keyword.count else { return false }
        for offset in 0..<keyword.count where bytes[index + offset] != keyword[offset] { return false }
        let after = index + keyword.count
        return after == bytes.count || !isRegular(bytes[after])
    }

    /// Every index where `needle` starts (needles here have no self-overlap worth caring about), in order.
    static func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> [Int] {
        guard let first = needle.first, bytes.count >= needle.count else { return [] }
        var found: [Int] = []
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == first {
                var match = true
                for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                    match = false
                    break
                }
                if match {
                    found.append(index)
                    index += needle.count
                    continue
                }
            }
            index += 1
        }
        return found
    }

    /// A number token that is a whole number as lenient readers read it (`5`, `5.`, `5.0`, `-0`, `+7`), or nil.
    static func wholeNumber(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int? {
        guard start < end, end - start <= 32 else { return nil }
        if let value = integer(bytes, start, end) { return value }
        guard let real = readerNumber(bytes, start, end), real == real.rounded(), abs(real) < 1e15 else { return nil }
        return Int(real)
    }

    /// The number pdf.js's lexer reads from the whole token `bytes[start..<end]`, or nil when it reads something else
    /// there (stops before the token's end, or reads no number): a sign (`--` is one minus), a `.`, digits in which a
    /// second `.` ends the number and a `-` is skipped (`0-1` is 1, `2-2` is 22: Adobe's behaviour, attack round
    /// 13), an exponent. Swift's own parsing reads `0x1p3` and `nan`, which no reader does.
    static func readerNumber(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Double? {
        var index = start
        var sign = 0.0
        if index < end, bytes[index] == 0x2D {
            sign = -1
            index += 1
            if index < end, bytes[index] == 0x2D { index += 1 }
        } else if index < end, bytes[index] == 0x2B {
            sign = 1
            index += 1
        }
        var divideBy = 0.0
        if index < end, bytes[index] == 0x2E {
            divideBy = 10
            index += 1
        }
        guard index < end, isDigit(bytes[index]) else {
            // `.` alone and `-` alone are 0 to pdf.js.
            return index == end && ((divideBy == 10 && sign == 0) || (divideBy == 0 && sign == -1)) ? 0 : nil
        }
        var value = Double(bytes[index] &- 0x30)
        var exponent = 0.0
        var exponentSign = 1.0
        var inExponent = false
        index += 1
        while index < end {
            let byte = bytes[index]
            if isDigit(byte) {
                if inExponent {
                    exponent = exponent * 10 + Double(byte &- 0x30)
                } else {
                    if divideBy != 0 { divideBy *= 10 }
                    value = value * 10 + Double(byte &- 0x30)
                }
            } else if byte == 0x2E, !inExponent {
                guard divideBy == 0 else { return nil }
                divideBy = 1
            } else if byte == 0x2D {
                // Skipped.
            } else if byte | 0x20 == 0x65, !inExponent {
                let next = index + 1 < end ? bytes[index + 1] : 0
                if next == 0x2B || next == 0x2D {
                    exponentSign = next == 0x2D ? -1 : 1
                    index += 1
                } else if !isDigit(next) {
                    return nil
                }
                inExponent = true
            } else {
                return nil
            }
            index += 1
        }
        if divideBy != 0 { value /= divideBy }
        if inExponent { value *= pow(10, exponentSign * exponent) }
        let result = (sign == 0 ? 1 : sign) * value
        return result.isFinite ? result : nil
    }

    /// Parses a decimal integer token of `bytes[start..<end]` with checked arithmetic.
    static func integer(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int? {
        guard start < end else { return nil }
        var value = 0
        for index in start..<end {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte &- 0x30))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }
}

/// A cursor over one buffer that reads PDF values.
struct PDFParser {
    let bytes: [UInt8]
    var position: Int
    /// Nesting deeper than this is skipped and reported through `tooDeep`.
    let maxDepth: Int
    private(set) var tooDeep = false
    /// A name escaped a letter or digit with `#xx` (`/J#61vaScript`): needless, so obfuscation.
    private(set) var needlessEscape = false
    /// The first dictionary or array found not well-formed (a stray token where a key, a value or an item belongs, a
    /// key without a value, a container left open at the end of the data), described; nil while all were.
    private(set) var malformation: String?
    /// With ``endsAtObjectHeader``: where the object's top-level dictionary, still open, met the next line's object
    /// header (`21 0 obj`) and ended.
    private(set) var endedAtHeader: Int?
    /// A top-level dictionary still open at a line-start object header ends there, noted in ``endedAtHeader`` instead
    /// of as a malformation: the caller reads the header's object and judges the readers' merged reading too.
    var endsAtObjectHeader = false

    init(bytes: [UInt8], position: Int = 0, maxDepth: Int = 64) {
        self.bytes = bytes
        self.position = max(0, min(position, bytes.count))
        self.maxDepth = maxDepth
    }

    var atEnd: Bool { position >= bytes.count }

    mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            if PDFLexer.isWhitespace(byte) {
                position += 1
            } else if byte == 0x25 {  // % comment
                while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
            } else {
                return
            }
        }
    }

    /// The regular-character token at the cursor, without moving.
    func peekToken() -> ArraySlice<UInt8> {
        var end = position
        while end < bytes.count, PDFLexer.isRegular(bytes[end]) { end += 1 }
        return bytes[position..<end]
    }

    mutating func skipToken() {
        let start = position
        while position < bytes.count, PDFLexer.isRegular(bytes[position]) { position += 1 }
        if position == start, position < bytes.count { position += 1 }
    }

    /// Reads one value; `nil` at a keyword (`stream`, `endobj`, `obj`, `R`, …), a closing delimiter, or the end.
    mutating func parseValue(depth: Int = 0) -> PDFValue? {
        skipWhitespace()
        guard position < bytes.count else { return nil }
        let byte = bytes[position]
        switch byte {
        case 0x2F:  // /
            position += 1
            return .name(readName())
        case 0x28:  // (
            return .string(readLiteralString())
        case 0x3C:  // <
            if position + 1 < bytes.count, bytes[position + 1] == 0x3C {
                guard depth < maxDepth else {
                    tooDeep = true
                    skipNested()
                    return .null
                }
                position += 2
                return .dictionary(readDictionaryBody(depth: depth + 1))
            }
            return .string(readHexString())
        case 0x5B:  // [
            guard depth < maxDepth else {
                tooDeep = true
                skipNested()
                return .null
            }
            position += 1
            var items: [PDFValue] = []
            while true {
                skipWhitespace()
                guard position < bytes.count else {
                    malformed { _ in "an array is not closed before the end of the data" }
                    break
                }
                if bytes[position] == 0x5D {
                    position += 1
                    break
                }
                if let value = parseValue(depth: depth + 1) {
                    items.append(value)
                } else {
                    // A stray keyword or delimiter: noted, then skipped as before.
                    malformed { "an array holds \($0.strayToken())" }
                    if bytes[position] == 0x3E && !(position + 1 < bytes.count && bytes[position + 1] == 0x3E) {
                        position += 1
                        continue
                    }
                    if PDFLexer.endsObject(bytes, at: position) || bytes[position] == 0x3E { break }
                    skipToken()
                }
            }
            return .array(items)
        case 0x2B, 0x2D, 0x2E, 0x30...0x39:
            return readNumberOrReference()
        default:
            let token = peekToken()
            if token.elementsEqual("true".utf8) {
                position += 4
                return .bool(true)
            }
            if token.elementsEqual("false".utf8) {
                position += 5
                return .bool(false)
            }
            if token.elementsEqual("null".utf8) {
                position += 4
                return .null
            }
            return nil
        }
    }

    /// After `<<`: entries up to `>>`.
    mutating func readDictionaryBody(depth: Int) -> [String: PDFValue] {
        var dictionary: [String: PDFValue] = [:]
        while true {
            skipWhitespace()
            guard position < bytes.count else {
                malformed { _ in "a dictionary is not closed before the end of the data" }
                break
            }
            let byte = bytes[position]
            if byte == 0x3E {
                position += 1
                if position < bytes.count, bytes[position] == 0x3E {
                    position += 1
                } else {
                    malformed { _ in "a dictionary holds a lone `>` where a key belongs" }
                }
                break
            }
            guard byte == 0x2F else {
                if depth == 1, endsAtObjectHeader, malformation == nil, endedAtHeader == nil, objectHeaderStartsLine(at: position) {
                    endedAtHeader = position
                    break
                }
                malformed { "a dictionary holds \($0.strayToken()) where a key belongs" }
                if PDFLexer.endsObject(bytes, at: position) { break }
                // A stray value where a key should be: read and drop it.
                if parseValue(depth: depth) == nil { skipToken() }
                continue
            }
            position += 1
            let key = readName()
            skipWhitespace()
            if position < bytes.count, bytes[position] == 0x3E || bytes[position] == 0x2F {
                // No value: /Key followed by `>>` or another name treats the key as null ... unless the next name is the value.
                if bytes[position] == 0x2F {
                    position += 1
                    Self.insert(.name(readName()), for: key, into: &dictionary)
                } else {
                    malformed { "a dictionary key has no value (\($0.strayToken()) follows it)" }
                    Self.insert(.null, for: key, into: &dictionary)
                }
                continue
            }
            if let value = parseValue(depth: depth) {
                Self.insert(value, for: key, into: &dictionary)
            } else {
                malformed {
                    $0.atEnd ? "a dictionary key has no value (the data ends)" : "a dictionary holds \($0.strayToken()) where a value belongs"
                }
                if PDFLexer.endsObject(bytes, at: position) { break }
                skipToken()
            }
        }
        return dictionary
    }

    /// Whether `position` starts a line with an object header: digits, blanks, digits, blanks, `obj`.
    func objectHeaderStartsLine(at position: Int) -> Bool {
        var back = position - 1
        while back >= 0, bytes[back] == 0x20 || bytes[back] == 0x09 { back -= 1 }
        guard back >= 0, bytes[back] == 0x0A || bytes[back] == 0x0D else { return false }
        var cursor = position
        func digits() -> Bool {
            let start = cursor
            while cursor < bytes.count, bytes[cursor] >= 0x30, bytes[cursor] <= 0x39 { cursor += 1 }
            return cursor > start
        }
        func blanks() -> Bool {
            let start = cursor
            while cursor < bytes.count, PDFLexer.isWhitespace(bytes[cursor]) { cursor += 1 }
            return cursor > start
        }
        guard digits(), blanks(), digits(), blanks() else { return false }
        return PDFLexer.keyword(PDFLexer.objKeyword, in: bytes, at: cursor)
    }

    /// Notes the first malformation (described only then: a file may hold millions of stray tokens); the suffix says
    /// why it is not judged.
    mutating func malformed(_ what: (PDFParser) -> String) {
        guard malformation == nil else { return }
        let text = what(self)
        malformation = "a malformed PDF object: \(text) (readers disagree on what follows it)"
    }

    /// The stray token at the cursor, for a malformation: a keyword quoted when short and plain, a delimiter quoted,
    /// else what kind of value it starts.
    func strayToken() -> String {
        guard position < bytes.count else { return "nothing" }
        let byte = bytes[position]
        let next = position + 1 < bytes.count ? bytes[position + 1] : 0
        switch byte {
        case 0x2F: return "a name"
        case 0x28: return "a string"
        case 0x3C: return next == 0x3C ? "a dictionary" : "a hex string"
        case 0x5B: return "an array"
        case 0x3E: return next == 0x3E ? "`>>`" : "a lone `>`"
        case 0x29, 0x5D, 0x7B, 0x7D: return "`\(Character(Unicode.Scalar(byte)))`"
        case 0x2B, 0x2D, 0x2E, 0x30...0x39: return "a number"
        default:
            let token = peekToken()
            let plain = token.count <= 16 && token.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x60 }
            return plain ? "the keyword `\(String(decoding: token, as: UTF8.self))`" : "a bare word"
        }
    }

    /// Adds an entry; a key written again with a different value keeps every value (`PDFValue.alternatives`).
    static func insert(_ value: PDFValue, for key: String, into dictionary: inout [String: PDFValue]) {
        // Taken out of the dictionary so that the values are appended in place: a copy per write made a key written
        // 150,000 times cost minutes (attack round 8).
        guard var existing = dictionary.removeValue(forKey: key) else {
            dictionary[key] = value
            return
        }
        if case .alternatives(var values) = existing {
            existing = .null
            // Compared only while few (no quadratic work on a key written thousands of times).
            if values.count >= 16 || !values.contains(value) { values.append(value) }
            dictionary[key] = .alternatives(values)
        } else {
            dictionary[key] = existing != value ? .alternatives([existing, value]) : existing
        }
    }

    /// Skips a too-deep structure without recursion: brackets and dictionaries balanced, strings skipped.
    mutating func skipNested() {
        var level = 0
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case 0x28:
                _ = readLiteralString()
                continue
            case 0x5B:
                level += 1
            case 0x3C:
                if position + 1 < bytes.count, bytes[position + 1] == 0x3C {
                    level += 1
                    position += 1
                }
            case 0x5D:
                level -= 1
            case 0x3E:
                if position + 1 < bytes.count, bytes[position + 1] == 0x3E {
                    level -= 1
                    position += 1
                }
            default:
                break
            }
            position += 1
            if level <= 0 { return }
        }
    }

    /// A name after its `/`, with `#xx` escapes decoded.
    mutating func readName() -> String {
        var decoded: [UInt8] = []
        while position < bytes.count, PDFLexer.isRegular(bytes[position]) {
            let byte = bytes[position]
            if byte == 0x23, position + 2 < bytes.count, let high = PDFLexer.hexValue(bytes[position + 1]),
                let low = PDFLexer.hexValue(bytes[position + 2])
            {
                let value = high << 4 | low
                if (value | 0x20 >= 0x61 && value | 0x20 <= 0x7A) || PDFLexer.isDigit(value) { needlessEscape = true }
                decoded.append(value)
                position += 3
            } else {
                decoded.append(byte)
                position += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    mutating func readLiteralString() -> [UInt8] {
        var out: [UInt8] = []
        var level = 0
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case 0x28:
                level += 1
                if level > 1 { out.append(byte) }
            case 0x29:
                level -= 1
                if level == 0 { return out }
                out.append(byte)
            case 0x5C:
                guard position < bytes.count else { return out }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case 0x0D:
                    if position < bytes.count, bytes[position] == 0x0A { position += 1 }
                case 0x0A:
                    break
                case 0x30...0x37:
                    var value = Int(escaped &- 0x30)
                    var digits = 1
                    while digits < 3, position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x37 {
                        value = value &* 8 &+ Int(bytes[position] &- 0x30)
                        position += 1
                        digits += 1
                    }
                    out.append(UInt8(truncatingIfNeeded: value))
                default:
                    out.append(escaped)
                }
            default:
                out.append(byte)
            }
        }
        return out
    }

    mutating func readHexString() -> [UInt8] {
        position += 1  // <
        var pairs = HexPairs()
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == 0x3E { break }
            if let value = PDFLexer.hexValue(byte) { pairs.add(value) }
        }
        return pairs.finish()
    }

    /// A number; a whole number followed by another and `R` is a reference.
    mutating func readNumberOrReference() -> PDFValue? {
        let start = position
        let token = numberToken()
        // Maybe `n g R`, read as pdf.js reads it: any whole numbers (`5 0. R`, `5 -0 R`), comments between tokens.
        if let value = PDFLexer.wholeNumber(token, 0, token.count) {
            let save = position
            skipWhitespace()
            let generationToken = numberToken()
            if let generation = PDFLexer.wholeNumber(generationToken, 0, generationToken.count) {
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "R"),
                    position + 1 == bytes.count || !PDFLexer.isRegular(bytes[position + 1])
                {
                    position += 1
                    guard value < 0 || generation < 0 else { return .reference(value, generation) }
                    // A negative number names no object to pdf.js; PDFium reads both as unsigned 32-bit numbers
                    // (`-4294967275 4294967296 R` is `21 0 R`).
                    return .reference(Int(UInt32(truncatingIfNeeded: value)), Int(UInt32(truncatingIfNeeded: generation)))
                }
            }
            position = save
        }
        if let value = PDFLexer.integer(token, 0, token.count) { return .integer(value) }
        let text = String(decoding: token, as: UTF8.self)
        if let int = Int(text) { return .integer(int) }
        // As pdf.js reads it (`--5` is -5, `0-1` is 1): a count, offset or index written so reads as pdf.js does.
        if let real = PDFLexer.readerNumber(token, 0, token.count) {
            let written = text.contains(".") || text.contains("e") || text.contains("E")
            return !written && real == real.rounded() && abs(real) < 1e15 ? .integer(Int(real)) : .real(real)
        }
        // A token pdf.js reads as a number and something more (`1.2.3`, `12abc`, `0x1p3`): readers disagree.
        malformed { _ in "the number '\(text.prefix(32))', which readers read differently" }
        if position == start { position += 1 }
        return .integer(0)
    }

    /// The regular bytes of a number at the cursor, as pdf.js's lexer gathers them: a sign alone (`-`, `+`, `--`)
    /// followed by line breaks goes on with the next token (`-⏎5` is -5, attack round 14).
    mutating func numberToken() -> [UInt8] {
        let start = position
        while position < bytes.count, PDFLexer.isRegular(bytes[position]) { position += 1 }
        var token = Array(bytes[start..<position])
        if [[0x2D], [0x2B], [0x2D, 0x2D]].contains(token), position < bytes.count, bytes[position] == 0x0A || bytes[position] == 0x0D {
            var next = position
            while next < bytes.count, bytes[next] == 0x0A || bytes[next] == 0x0D { next += 1 }
            if next < bytes.count, PDFLexer.isDigit(bytes[next]) || bytes[next] == 0x2E {
                position = next
                while position < bytes.count, PDFLexer.isRegular(bytes[position]) { position += 1 }
                token += bytes[next..<position]
            }
        }
        return token
    }
}
