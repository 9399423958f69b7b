/// Stream filters for `PDFActiveContent` (ISO 32000-1 section 7.4): Flate (with PNG and TIFF predictors),
/// ASCIIHex, ASCII85, RunLength and LZW. Image-only filters are not decoded.
enum PDFFilters {
    enum Failure: Error, Equatable {
        /// A filter this decoder does not implement (name as written).
        case unsupported(String)
        /// The output would pass the budget.
        case limit
        /// The data is not valid for the filter (filter name, why).
        case corrupt(String, String)
    }

    static let imageFilters: Set<String> = ["DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF", "JBIG2Decode"]

    /// Applies `filters` in order with their parameters; `budget` is the most bytes any step may produce.
    /// `truncated` is set when Flate data ended early and only what inflated is returned (as readers do).
    static func decode(
        _ data: [UInt8],
        filters: [String],
        parameters: [[String: PDFValue]?],
        budget: Int,
        truncated: inout Bool
    ) -> Result<[UInt8], Failure> {
        var current = data
        for (index, filter) in filters.enumerated() {
            let parms = index < parameters.count ? parameters[index] : nil
            let step: Result<[UInt8], Failure>
            switch filter {
            case "FlateDecode", "Fl":
                step = flate(current, budget: budget, truncated: &truncated).flatMap { predict($0, parms, budget: budget) }
            case "LZWDecode", "LZW":
                // pdf.js does arithmetic with whatever /EarlyChange holds: only 0 and 1 decode the same everywhere.
                step = wholeNumber(parms?["EarlyChange"], key: "EarlyChange", default: 1, in: 0...1).flatMap { early in
                    lzw(current, earlyChange: early != 0, budget: budget).flatMap { predict($0, parms, budget: budget) }
                }
            case "ASCIIHexDecode", "AHx":
                step = asciiHex(current)
            case "ASCII85Decode", "A85":
                step = ascii85(current)
            case "RunLengthDecode", "RL":
                step = runLength(current, budget: budget)
            case "Crypt":
                // Handled by the caller (Identity or the document default); nothing to do here.
                step = .success(current)
            default:
                step = .failure(.unsupported(filter))
            }
            switch step {
            case .success(let bytes):
                if bytes.count > budget { return .failure(.limit) }
                current = bytes
            case .failure(.corrupt(_, let why)):
                return .failure(.corrupt(filter, why))
            case .failure(let failure):
                return .failure(failure)
            }
        }
        return .success(current)
    }

    static func flate(_ data: [UInt8], budget: Int, truncated: inout Bool) -> Result<[UInt8], Failure> {
        switch Inflater.inflateAll(data, format: .zlib, limit: Int64(budget)) {
        case .success(let bytes):
            return .success(bytes)
        case .failure(.limitExceeded):
            return .failure(.limit)
        case .failure(.truncated):
            // Readers accept a Flate stream cut short (a missing checksum is common): keep what inflated.
            truncated = true
            return .success(partialInflate(data, budget: budget))
        case .failure(.corrupt(let why)):
            let partial = partialInflate(data, budget: budget)
            truncated = true
            return partial.isEmpty ? .failure(.corrupt("FlateDecode", why)) : .success(partial)
        }
    }

    /// Whatever inflates before the data ends or breaks.
    static func partialInflate(_ data: [UInt8], budget: Int) -> [UInt8] {
        let inflater = Inflater(format: .zlib, limit: Int64(budget))
        var out: [UInt8] = []
        _ = data.withUnsafeBytes { bytes in
            inflater.feed(bytes) { chunk in
                out.append(contentsOf: chunk)
                return true
            }
        }
        return out
    }

    /// A decoding parameter: absent, `fallback`; a whole number in `range`, that number. Anything else (a real with a
    /// fraction, a value out of range, another type) is one readers decode differently, each its own way (pdf.js
    /// computes with it as it is, PDFium refuses it): never clamped or rounded into a value Airlock would then decode
    /// while a reader decodes other bytes.
    static func wholeNumber(_ value: PDFValue?, key: String, default fallback: Int, in range: ClosedRange<Int>) -> Result<Int, Failure> {
        guard let value else { return .success(fallback) }
        if case .null = value { return .success(fallback) }
        let number: Int?
        switch value {
        case .integer(let whole): number = whole
        case .real(let real) where real.isFinite && real.rounded() == real && abs(real) < 1e15: number = Int(real)
        default: number = nil
        }
        guard let number, range.contains(number) else { return .failure(.unsupported("/\(key) \(describe(value))")) }
        return .success(number)
    }

    static func describe(_ value: PDFValue) -> String {
        switch value {
        case .integer(let number): "\(number)"
        case .real(let number): "\(number)"
        default: "of another type"
        }
    }

    /// PNG (10…15) and TIFF (2) predictors, with parameters read exactly (``wholeNumber(_:key:default:in:)``).
    static func predict(_ data: [UInt8], _ parms: [String: PDFValue]?, budget: Int) -> Result<[UInt8], Failure> {
        guard var parms else { return .success(data) }
        // pdf.js also takes the inline-image abbreviation `/BPC` (attack round 14); both written and different is no
        // one reading.
        if let short = parms["BPC"] {
            if let long = parms["BitsPerComponent"], long != short { return .failure(.unsupported("/BitsPerComponent and /BPC that differ")) }
            parms["BitsPerComponent"] = short
        }
        let parameters = wholeNumber(parms["Predictor"], key: "Predictor", default: 1, in: Int(Int32.min)...Int(Int32.max)).flatMap { predictor in
            wholeNumber(parms["Colors"], key: "Colors", default: 1, in: 1...Int(Int32.max)).flatMap { colors in
                wholeNumber(parms["BitsPerComponent"], key: "BitsPerComponent", default: 8, in: 1...16).flatMap { bits in
                    wholeNumber(parms["Columns"], key: "Columns", default: 1, in: 1...Int(Int32.max)).map { (predictor, colors, bits, $0) }
                }
            }
        }
        guard case .success(let (predictor, colors, bits, columns)) = parameters else {
            if case .failure(let failure) = parameters { return .failure(failure) }
            return .success(data)
        }
        guard predictor > 1 else { return .success(data) }
        guard [1, 2, 4, 8, 16].contains(bits) else { return .failure(.unsupported("/BitsPerComponent \(bits)")) }
        guard predictor == 2 || (10...15).contains(predictor) else { return .failure(.unsupported("predictor \(predictor)")) }
        let (pixelBits, pixelOverflow) = colors.multipliedReportingOverflow(by: bits)
        let (rowBits, rowOverflow) = pixelBits.multipliedReportingOverflow(by: columns)
        guard !pixelOverflow, !rowOverflow, rowBits < Int(Int32.max) * 8 else {
            return .failure(.unsupported("predictor rows of \(colors) colors x \(bits) bits x \(columns) columns"))
        }
        let bytesPerPixel = max(1, (pixelBits + 7) / 8)
        // A row longer than the data is one partial row, as readers read it: cap it so a large /Columns allocates
        // nothing more (the one row decodes the same either way).
        let rowLength = min((rowBits + 7) / 8, max(data.count, 1))
        guard rowLength > 0 else { return .failure(.corrupt("", "bad predictor parameters")) }
        if predictor == 2 {
            guard bits == 8 else { return .failure(.unsupported("TIFF predictor with \(bits) bits per component")) }
            var out = data
            var rowStart = 0
            while rowStart < out.count {
                let rowEnd = min(out.count, rowStart + rowLength)
                var index = rowStart + bytesPerPixel
                while index < rowEnd {
                    out[index] = out[index] &+ out[index - bytesPerPixel]
                    index += 1
                }
                rowStart = rowEnd
            }
            return .success(out)
        }
        var out: [UInt8] = []
        out.reserveCapacity(min(data.count, budget))
        var previous = [UInt8](repeating: 0, count: rowLength)
        var row = [UInt8](repeating: 0, count: rowLength)
        var index = 0
        while index < data.count {
            let type = data[index]
            index += 1
            let available = min(rowLength, data.count - index)
            for column in 0..<rowLength { row[column] = column < available ? data[index + column] : 0 }
            index += available
            for column in 0..<rowLength {
                let left: UInt8 = column >= bytesPerPixel ? row[column - bytesPerPixel] : 0
                let up = previous[column]
                let upLeft: UInt8 = column >= bytesPerPixel ? previous[column - bytesPerPixel] : 0
                switch type {
                case 0: break
                case 1: row[column] = row[column] &+ left
                case 2: row[column] = row[column] &+ up
                case 3: row[column] = row[column] &+ UInt8((Int(left) + Int(up)) / 2)
                case 4:
                    let estimate = Int(left) + Int(up) - Int(upLeft)
                    let distanceLeft = abs(estimate - Int(left))
                    let distanceUp = abs(estimate - Int(up))
                    let distanceUpLeft = abs(estimate - Int(upLeft))
                    let pick: UInt8 =
                        distanceLeft <= distanceUp && distanceLeft <= distanceUpLeft ? left : (distanceUp <= distanceUpLeft ? up : upLeft)
                    row[column] = row[column] &+ pick
                default:
                    return .failure(.corrupt("", "unknown PNG predictor row type \(type)"))
                }
            }
            out.append(contentsOf: row[0..<available])
            if out.count > budget { return .failure(.limit) }
            swap(&previous, &row)
        }
        return .success(out)
    }

    static func asciiHex(_ data: [UInt8]) -> Result<[UInt8], Failure> {
        var pairs = HexPairs(capacity: data.count / 2)
        for byte in data {
            if byte == 0x3E { break }
            guard let value = PDFLexer.hexValue(byte) else {
                if PDFLexer.isWhitespace(byte) { continue }
                return .failure(.corrupt("", "a non-hex byte in ASCIIHexDecode data"))
            }
            pairs.add(value)
        }
        return .success(pairs.finish())
    }

    static func ascii85(_ data: [UInt8]) -> Result<[UInt8], Failure> {
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var group: [UInt32] = []
        var index = 0
        // An optional `<~` prefix.
        if data.count >= 2, data[0] == 0x3C, data[1] == 0x7E { index = 2 }
        func flush(_ count: Int) {
            var values = group
            while values.count < 5 { values.append(84) }
            var value: UInt32 = 0
            for digit in values { value = value &* 85 &+ digit }
            let bytes = [
                UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                UInt8(truncatingIfNeeded: value),
            ]
            out.append(contentsOf: bytes[0..<max(0, min(4, count - 1))])
        }
        while index < data.count {
            let byte = data[index]
            index += 1
            if PDFLexer.isWhitespace(byte) { continue }
            if byte == 0x7E { break }  // ~>
            if byte == 0x7A, group.isEmpty {  // z
                out.append(contentsOf: [0, 0, 0, 0])
                continue
            }
            guard byte >= 0x21, byte <= 0x75 else { return .failure(.corrupt("", "a byte outside ASCII85 in ASCII85Decode data")) }
            group.append(UInt32(byte - 0x21))
            if group.count == 5 {
                flush(5)
                group.removeAll(keepingCapacity: true)
            }
        }
        if !group.isEmpty { flush(group.count) }
        return .success(out)
    }

    static func runLength(_ data: [UInt8], budget: Int) -> Result<[UInt8], Failure> {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            let length = Int(data[index])
            index += 1
            if length == 128 { break }
            if length < 128 {
                let count = min(length + 1, data.count - index)
                out.append(contentsOf: data[index..<index + count])
                index += count
            } else if index < data.count {
                out.append(contentsOf: repeatElement(data[index], count: 257 - length))
                index += 1
            }
            if out.count > budget { return .failure(.limit) }
        }
        return .success(out)
    }

    static func lzw(_ data: [UInt8], earlyChange: Bool, budget: Int) -> Result<[UInt8], Failure> {
        var out: [UInt8] = []
        var table: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        table.append([])  // 256 clear
        table.append([])  // 257 end
        var codeLength = 9
        var previous: [UInt8]? = nil
        var bitBuffer: UInt32 = 0
        var bitCount = 0
        var index = 0
        let early = earlyChange ? 1 : 0
        while true {
            while bitCount < codeLength, index < data.count {
                bitBuffer = (bitBuffer << 8) | UInt32(data[index])
                bitCount += 8
                index += 1
            }
            guard bitCount >= codeLength else { break }
            let code = Int((bitBuffer >> UInt32(bitCount - codeLength)) & ((1 << UInt32(codeLength)) - 1))
            bitCount -= codeLength
            bitBuffer &= bitCount >= 32 ? UInt32.max : ((1 << UInt32(bitCount)) &- 1)
            if code == 256 {
                table.removeSubrange(258...)
                codeLength = 9
                previous = nil
                continue
            }
            if code == 257 { break }
            var entry: [UInt8]
            if code < table.count, code != 256, code != 257 {
                entry = table[code]
                if let previous, table.count < 4096 { table.append(previous + [entry[0]]) }
            } else if code == table.count, let previous, let first = previous.first {
                entry = previous + [first]
                if table.count < 4096 { table.append(entry) }
            } else {
                return .failure(.corrupt("", "bad LZW code"))
            }
            out.append(contentsOf: entry)
            if out.count > budget { return .failure(.limit) }
            previous = entry
            if table.count + early >= (1 << codeLength), codeLength < 12 { codeLength += 1 }
        }
        return .success(out)
    }
}

/// Hex digits joined two by two; an odd last digit counts as if followed by 0 (ISO 32000-1, 7.3.4.3 and 7.4.2).
struct HexPairs {
    private var bytes: [UInt8] = []
    private var high: UInt8?

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func add(_ value: UInt8) {
        if let pending = high {
            bytes.append(pending << 4 | value)
            high = nil
        } else {
            high = value
        }
    }

    mutating func finish() -> [UInt8] {
        if let pending = high { bytes.append(pending << 4) }
        high = nil
        return bytes
    }
}
