/// Active content in PDF, found by parsing objects the way a tolerant reader recovers them and following actions.
///
/// Objects are recovered by scanning the whole file for `n g obj` (every revision of every object, so a broken or
/// missing xref does not matter and an active object left behind by an incremental update still counts), object
/// streams are decoded (Flate, LZW, ASCIIHex, ASCII85, RunLength, PNG/TIFF predictors) and their objects added. A
/// reference means every definition of its object (a reader that follows the xref may take any of them, not only the
/// latest in file order), through every object on a chain of references: a check fails when any of them is bad.
/// Owner-password-only PDFs are decrypted with the empty user password (standard security handler R2–R6).
///
/// Admitted: GoTo actions, Named actions that only move through the document, ResetForm, and URI actions to http(s)
/// addresses reached by a user's click. Everything else an action
/// can do is active content, as are embedded and associated files, XFA, RichMedia, document JavaScript, resources
/// fetched from elsewhere on render, non-numeric font matrices, PostScript calculator functions with anything but
/// calculator operators, and XML streams that declare a DOCTYPE or entities.
enum PDFActiveContent {
    struct Findings: Equatable {
        var active: [String] = []
        var unscannable: [String] = []
    }

    /// PDFs up to this size are read and walked.
    static let sizeLimit: Int64 = 64 << 20
    /// Bytes all decoded streams of one file may add up to.
    static let decodeLimit = 64 << 20
    /// Objects (every revision, including those in object streams) one file may hold.
    static let objectLimit = 500_000
    /// Nesting of arrays and dictionaries.
    static let depthLimit = 64
    /// Action dictionaries followed per file.
    static let actionLimit = 2_000_000
    /// Definitions one reference may reach (every definition of every object on its chain), and steps per file.
    static let definitionLimit = 256
    static let resolutionLimit = 16_000_000
    /// References followed in a row (`1 0 R` whose object is `2 0 R` …).
    static let chainLimit = 32
    /// Findings kept per kind.
    static let findingLimit = 5

    static func findings(in bytes: [UInt8]) -> Findings {
        var analysis = Analysis(bytes: bytes)
        analysis.run()
        var findings = analysis.findings
        if let prefix = prefixFinding(bytes) { findings.active.insert(prefix, at: 0) }
        return findings
    }

    /// Readers find `%PDF-` within the first 1024 bytes and ignore what comes before it; a web server or browser
    /// reads those bytes first. Non-blank bytes before the header that hold `<` (markup, `<?php`, `<%`) make the
    /// file a polyglot.
    static func prefixFinding(_ bytes: [UInt8]) -> String? {
        let header: [UInt8] = Array("%PDF-".utf8)
        let window = bytes.prefix(1024 + header.count)
        guard let start = window.indices.first(where: { window[$0...].starts(with: header) }), start > 0 else { return nil }
        let before = bytes[..<start]
        guard before.contains(where: { $0 > 0x20 }), before.contains(UInt8(ascii: "<")) else { return nil }
        return "\(start) bytes before the %PDF- header hold markup or code (a polyglot a web server or browser reads first)"
    }

    /// Where an action was found: decides whether a web link is admitted and how the finding reads.
    enum Trigger: Int {
        case direct
        case openAction
        case additional
        case annotation
        case outline
        case field
        case nameTree

        var automatic: Bool { self == .openAction || self == .additional }

        func describe(_ type: String) -> String {
            switch self {
            case .direct: "\(article(type)) \(type) action"
            case .openAction: "an OpenAction \(type) action"
            case .additional: "\(article(type)) \(type) action in additional actions (/AA)"
            case .annotation: "\(article(type)) \(type) action in an annotation"
            case .outline: "\(article(type)) \(type) action in an outline item"
            case .field: "\(article(type)) \(type) action in a form field"
            case .nameTree: "\(article(type)) \(type) action in the document's JavaScript names"
            }
        }
    }

    static func article(_ word: String) -> String {
        guard let first = word.first else { return "a" }
        if word.hasPrefix("URI") { return "a" }
        return "AEIOUaeiou".contains(first) ? "an" : "a"
    }

    /// Values of /S that make a dictionary an action wherever it stands.
    static let actionTypes: Set<String> = [
        "GoTo", "GoToR", "GoToE", "GoToDp", "Launch", "Thread", "URI", "Sound", "Movie", "Hide", "Named", "SubmitForm",
        "ResetForm", "ImportData", "JavaScript", "SetOCGState", "Rendition", "Trans", "GoTo3DView", "RichMediaExecute",
    ]

    /// Named actions that only move through the document or open the viewer's search: the four of ISO 32000-1
    /// section 12.6.4.11 and Acrobat's GoBack, GoForward and Find (what LaTeX beamer's navigation bar writes).
    static let navigationNames: Set<String> = ["NextPage", "PrevPage", "FirstPage", "LastPage", "GoBack", "GoForward", "Find"]

    /// Operators of PostScript calculator functions (ISO 32000-1 table 42).
    static let calculatorOperators: Set<String> = [
        "abs", "add", "atan", "ceiling", "cos", "cvi", "cvr", "div", "exp", "floor", "idiv", "ln", "log", "mod", "mul",
        "neg", "round", "sin", "sqrt", "sub", "truncate", "and", "bitshift", "eq", "false", "ge", "gt", "le", "lt", "ne",
        "not", "or", "true", "xor", "if", "ifelse", "copy", "dup", "exch", "index", "pop", "roll",
    ]

    /// Why a stream's data cannot be had.
    enum StreamFailure: Error {
        case unsupported(String)
        case corrupt(String, String)
        case limit
        case readLimit
        case unreadable(String)

        /// A finding about `what` (e.g. "an object stream").
        func describe(_ what: String) -> String {
            switch self {
            case .unsupported(let filter): "\(what) with filter /\(filter) is not decoded"
            case .corrupt(let filter, let why) where filter == "FlateDecode" || filter == "Fl":
                "\(what) cannot be inflated: invalid compressed data (\(why))"
            case .corrupt(let filter, let why): "\(what) is not decoded: invalid /\(filter) data (\(why))"
            case .limit: "streams decode past \(decodeLimit >> 20) MiB"
            case .readLimit: "overlapping streams read past \(decodeLimit >> 20) MiB more than the file holds"
            case .unreadable(let why): "\(what) cannot be read: \(why)"
            }
        }
    }

    struct Version {
        var number: Int
        var generation: Int
        var value: PDFValue
        /// File position of the object, or of the object stream holding it: later wins.
        var position: Int
        var compressed: Bool
    }

    /// What references resolve to, per object number (filled lazily, cleared when definitions change).
    final class Resolutions {
        var values: [Int: [PDFValue]] = [:]
        var steps = 0
        var exceeded = false
    }

    struct Analysis {
        let bytes: [UInt8]
        let resolutions = Resolutions()
        var findings = Findings()
        var versions: [Version] = []
        var latest: [Int: Int] = [:]  // object number → index in versions
        var definitions: [Int: [Int]] = [:]  // object number → every version, in file order
        var trailers: [(position: Int, dictionary: [String: PDFValue])] = []
        var endstreams: [Int] = []
        /// Objects xref streams say are in object streams.
        var compressedEntries: [Int] = []
        var decryption: PDFDecryption?
        var encryptionObject: Int?
        /// False when the PDF is encrypted and cannot be decrypted: strings and streams are unreadable.
        var readable = true
        var decoded = 0
        var read = 0
        /// Bytes the object parser has consumed over every read (scan, xref offsets and tables, raw headers, object
        /// streams): objects written inside one long string or comment are read once per header, so this is bounded.
        var parsed = 0
        var parseExceeded = false
        /// Objects the xref says hold compressed objects.
        var objectStreamNumbers: Set<Int> = []
        /// The object numbers type-2 xref entries put at each index of each object stream: pdf.js takes the object at
        /// that index whatever number the stream's own header gives it (attack round 13).
        var compressedSlots: [Int: [Int: [Int]]] = [:]
        var tooDeep = false
        var needlessEscape = false
        var objectsExceeded = false
        var actionsFollowed = 0
        var followedActions: Set<[Int]> = []
        var checkedStreams: Set<[Int]> = []
        var untriggered: [(type: String, text: String)] = []
        var reportedTypes: Set<String> = []
        var seenReferences: Set<[Int]> = []
        var untriggeredTypes: Set<String> = []

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func active(_ text: String) {
            if findings.active.count < findingLimit, !findings.active.contains(text) { findings.active.append(text) }
        }

        mutating func unscannable(_ text: String) {
            if findings.unscannable.count < findingLimit, !findings.unscannable.contains(text) { findings.unscannable.append(text) }
        }

        /// What parsing may consume: four times the bytes of the file and of its decoded streams, plus 1 MiB (an
        /// ordinary PDF parses each byte about once; objects inside other objects' strings parse them again).
        var parseLimit: Int { (bytes.count &+ decoded) &* 4 &+ (1 << 20) }

        /// What a parse found beyond its value: nesting past the limit, needless escapes, and a dictionary or array that
        /// is not well-formed (unscannable: readers recover from a stray token differently, some reading on past it).
        mutating func note(_ parser: PDFParser, malformation report: Bool = true) {
            if parser.tooDeep { tooDeep = true }
            if parser.needlessEscape { needlessEscape = true }
            if report, let malformation = parser.malformation { unscannable(malformation) }
        }

        /// Counts `count` bytes parsed; false (and the PDF unscannable) past `parseLimit`.
        mutating func consume(_ count: Int) -> Bool {
            guard !parseExceeded else { return false }
            parsed &+= max(0, count)
            guard parsed > parseLimit else { return true }
            parseExceeded = true
            unscannable("objects written inside other objects nest past the parse limit (4 × the file and its decoded streams + 1 MiB)")
            return false
        }

        /// Whether a dictionary is typed `/XRef` in any reading.
        func isXRef(_ dictionary: [String: PDFValue]) -> Bool { names(dictionary["Type"]).contains("XRef") }

        mutating func run() {
            guard Int64(bytes.count) <= sizeLimit else {
                unscannable("the PDF is larger than \(sizeLimit >> 20) MiB")
                return
            }
            endstreams = PDFLexer.occurrences(of: PDFLexer.endstreamKeyword, in: bytes)
            scanObjects()
            scanXrefOffsets()
            scanTrailers()
            openEncryption()
            if let decryption { decryptStrings(decryption) }
            rebuildLatest()
            expandObjectStreams()
            recoverRawHeaders()
            if readable, let missing = compressedEntries.first(where: { !(definitions[$0] ?? []).contains { versions[$0].compressed } }) {
                unscannable("the xref puts object \(missing) in an object stream that does not hold it")
            }
            if versions.isEmpty && trailers.isEmpty { unscannable("no PDF objects could be read") }
            checkEncryptedXRefStreams()
            for index in versions.indices { visit(versions[index].value) }
            // A trailer may hold the whole document inline (`/Root << … >>`).
            for trailer in trailers { visit(.dictionary(trailer.dictionary)) }
            for (type, text) in untriggered where !reportedTypes.contains(type) { active(text) }
            if needlessEscape, !findings.active.isEmpty { active("names written with #-escapes (obfuscation)") }
            if tooDeep { unscannable("objects nest deeper than \(depthLimit) levels") }
            if objectsExceeded { unscannable("the PDF holds more than \(objectLimit) objects") }
            if actionsFollowed >= actionLimit { unscannable("more than \(actionLimit) actions to follow") }
            if resolutions.exceeded {
                unscannable(
                    "references reach past the limit (\(definitionLimit) definitions each, chains of \(chainLimit), \(resolutionLimit) steps)"
                )
            }
        }

        // MARK: Recovery

        mutating func addVersion(_ version: Version) -> Bool {
            guard versions.count < objectLimit else {
                objectsExceeded = true
                return false
            }
            versions.append(version)
            return true
        }

        /// Every `n g obj` in the file, in order, stream data included (conservative: nothing can be hidden there).
        mutating func scanObjects() {
            let count = bytes.count
            var index = 0
            while index + 3 <= count {
                guard bytes[index] == 0x6F, bytes[index + 1] == 0x62, bytes[index + 2] == 0x6A,
                    index + 3 == count || !PDFLexer.isRegular(bytes[index + 3])
                else {
                    index += 1
                    continue
                }
                // `obj` without readable numbers (`%PDF-\0obj<<…>>`) is still an object to a recovering reader;
                // `endobj` and other words ending in `obj` are not.
                let (number, generation, start): (Int, Int, Int)
                if let found = header(before: index) ?? lenientHeader(before: index) {
                    (number, generation, start) = found
                } else if index == 0 || !PDFLexer.isRegular(bytes[index - 1]) {
                    // A header a reader may read some way Airlock does not (`9 0.5 obj`): fail closed.
                    if irregularHeader(before: index) { unscannable("an object header cannot be read (irregular numbers before obj)") }
                    (number, generation, start) = (-1, 0, index)
                } else {
                    index += 1
                    continue
                }
                guard let next = readObject(at: index, number: number, generation: generation, start: start) else { return }
                index = max(next, index + 3)
            }
        }

        /// Reads the object whose `obj` keyword is at `index` and adds it; the position to scan on from, or nil past
        /// the object limit.
        mutating func readObject(at index: Int, number: Int, generation: Int, start: Int) -> Int? {
            do {
                guard !parseExceeded else { return nil }
                var parser = PDFParser(bytes: bytes, position: index + 3, maxDepth: depthLimit)
                parser.endsAtObjectHeader = number >= 0
                var value = parser.parseValue() ?? .null
                guard consume(parser.position - index) else { return nil }
                // An `obj` with no number before it (text in a content stream) is an object to no reader's xref or
                // rebuild: it is still visited, but how it is malformed is no reader's concern.
                note(parser, malformation: number >= 0)
                var next = max(parser.position, index + 3)
                if let header = parser.endedAtHeader, case .dictionary(let open) = value {
                    // Left open up to the next object (a writer's slip): readers skip that object's header and `<<`,
                    // take its entries as this one's, close at its `>>` and, before `stream`, make this object a
                    // stream of its data. Both readings are judged; any other shape there is malformed.
                    if let merged = mergedReading(open, header: header, number: number, generation: generation) {
                        value = .alternatives([value, merged])
                    } else {
                        unscannable(
                            "a malformed PDF object: a dictionary is still open at the next object header, which holds no whole dictionary (readers disagree on what follows it)"
                        )
                    }
                }
                parser.skipWhitespace()
                if case .dictionary(let dictionary) = value, PDFLexer.keyword(PDFLexer.streamKeyword, in: bytes, at: parser.position) {
                    let stream = stream(dictionary, keywordAt: parser.position, number: number, generation: generation)
                    // Stream data is scanned too: an xref may point a reader at an object a wrong /Length hides.
                    next = stream.start
                    value = .stream(stream)
                }
                guard addVersion(Version(number: number, generation: generation, value: value, position: start, compressed: false)) else {
                    return nil
                }
                return next
            }
        }

        /// The stream whose `stream` keyword is at `keyword`: its data to a verified direct /Length, else to the next
        /// `endstream` (or the end of the file).
        mutating func stream(_ dictionary: [String: PDFValue], keywordAt keyword: Int, number: Int, generation: Int) -> PDFStream {
            let count = bytes.count
            let dataStart = streamDataStart(afterKeyword: keyword + 6)
            var stream = PDFStream(dictionary: dictionary, start: dataStart, end: dataStart, exact: false, number: number, generation: generation)
            if let length = dictionary["Length"]?.integer, length >= 0, length <= count - dataStart, endstream(after: dataStart + length) != nil {
                stream.end = dataStart + length
                stream.exact = true
            } else if let found = firstEndstream(from: dataStart) {
                var end = found
                if end > dataStart, bytes[end - 1] == 0x0A { end -= 1 }
                if end > dataStart, bytes[end - 1] == 0x0D { end -= 1 }
                stream.end = end
            } else {
                stream.end = count
            }
            return stream
        }

        /// The readers' reading of a top-level dictionary `open` left open at the object header at `header`: the
        /// header's object must be one well-formed dictionary, followed by `endobj` or `stream`; its entries join
        /// `open`'s (both values kept where a key is in both) and, before `stream`, the result is a stream of its data.
        /// Nil for any other shape.
        mutating func mergedReading(_ open: [String: PDFValue], header: Int, number: Int, generation: Int) -> PDFValue? {
            var parser = PDFParser(bytes: bytes, position: header, maxDepth: depthLimit)
            guard parser.parseValue()?.integer != nil, parser.parseValue()?.integer != nil else { return nil }
            parser.skipWhitespace()
            guard PDFLexer.keyword(PDFLexer.objKeyword, in: bytes, at: parser.position) else { return nil }
            parser.position += 3
            let value = parser.parseValue()
            guard consume(parser.position - header), case .dictionary(let next)? = value, parser.malformation == nil else { return nil }
            note(parser)
            var merged = open
            for (key, item) in next { PDFParser.insert(item, for: key, into: &merged) }
            parser.skipWhitespace()
            if PDFLexer.keyword(PDFLexer.streamKeyword, in: bytes, at: parser.position) {
                return .stream(stream(merged, keywordAt: parser.position, number: number, generation: generation))
            }
            return PDFLexer.keyword(PDFLexer.endobjKeyword, in: bytes, at: parser.position) ? .dictionary(merged) : nil
        }

        /// Where a stream's data starts: after the end of line (CR, LF or CR LF) that follows the `stream` keyword, as
        /// pdf.js, poppler and PDFium start it (they skip whatever stands before that end of line), and as MuPDF does
        /// when only spaces stand there. Anything else on the keyword's line (a comment, a tab, data) starts the data
        /// at different places for different readers, which shifts every object-stream offset and every check of
        /// the data: unscannable.
        mutating func streamDataStart(afterKeyword keywordEnd: Int) -> Int {
            let count = bytes.count
            var cursor = keywordEnd
            while cursor < count, bytes[cursor] == 0x20 { cursor += 1 }
            guard cursor < count else { return cursor }
            guard bytes[cursor] == 0x0D || bytes[cursor] == 0x0A else {
                unscannable("bytes other than spaces follow a stream keyword on its line (readers start the stream's data at different places)")
                return keywordEnd
            }
            cursor += 1
            if bytes[cursor - 1] == 0x0D, cursor < count, bytes[cursor] == 0x0A { cursor += 1 }
            return cursor
        }

        /// Skips whitespace and comments backwards from `cursor`: a `%` earlier on the line makes the rest a comment.
        func skipBackward(from cursor: Int) -> Int {
            var cursor = cursor
            while cursor >= 0 {
                if PDFLexer.isWhitespace(bytes[cursor]) {
                    cursor -= 1
                    continue
                }
                var lineStart = cursor
                while lineStart > 0, cursor - lineStart < 256, bytes[lineStart - 1] != 0x0A, bytes[lineStart - 1] != 0x0D { lineStart -= 1 }
                guard let percent = bytes[lineStart...cursor].firstIndex(of: 0x25) else { return cursor }
                cursor = percent - 1
            }
            return cursor
        }

        /// The regular token ending at `cursor` (at most 32 bytes): its start.
        func tokenStart(endingAt cursor: Int) -> Int {
            var start = cursor + 1
            while start > 0, cursor + 1 - start < 32, PDFLexer.isRegular(bytes[start - 1]) { start -= 1 }
            return start
        }

        /// `n g` before the `obj` at `index` as pdf.js's lexer reads it: comments between the tokens, whole numbers
        /// written as reals or with a sign (`9 %c\n0 obj`, `9 0. obj`, `9 -0 obj`).
        func lenientHeader(before index: Int) -> (Int, Int, Int)? {
            let generationEnd = skipBackward(from: index - 1)
            guard generationEnd >= 0 else { return nil }
            let generationStart = tokenStart(endingAt: generationEnd)
            guard let generation = PDFLexer.wholeNumber(bytes, generationStart, generationEnd + 1), generation >= 0 else { return nil }
            let numberEnd = skipBackward(from: generationStart - 1)
            guard numberEnd >= 0 else { return nil }
            let numberStart = tokenStart(endingAt: numberEnd)
            guard let number = PDFLexer.wholeNumber(bytes, numberStart, numberEnd + 1), number >= 0 else { return nil }
            return (number, generation, numberStart)
        }

        /// Whether the token before a standalone `obj` looks like a number Airlock could not read as a header.
        func irregularHeader(before index: Int) -> Bool {
            let end = skipBackward(from: index - 1)
            guard end >= 0 else { return false }
            let start = tokenStart(endingAt: end)
            return start <= end && bytes[start...end].allSatisfy { PDFLexer.isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E }
        }

        /// Objects at the offsets xref tables and xref streams name, read as a reader following the xref reads them:
        /// an object written inside another's string or comment is one too. An offset that starts with a number and
        /// has an `obj` keyword close by but no header Airlock can read is unscannable; a header of another number or
        /// no header at all is a stale entry, which makes a reader rebuild the xref (whose objects `recoverRawHeaders`
        /// reads in any case).
        mutating func scanXrefOffsets() {
            var offsets: Set<[Int]> = []  // [offset, object number, generation]
            for position in PDFLexer.occurrences(of: Array("xref".utf8), in: bytes)
            where position == 0 || !PDFLexer.isRegular(bytes[position - 1]) {
                var parser = PDFParser(bytes: bytes, position: position + 4, maxDepth: 1)
                // Bytes read past where the table ends count too (`xref (` reads a string before giving up).
                var reached = position
                sections: while offsets.count < objectLimit {
                    let mark = parser.position
                    guard case .integer(let first)? = parser.parseValue(), case .integer(let entries)? = parser.parseValue(), first >= 0, entries >= 0
                    else {
                        reached = max(reached, parser.position)
                        parser.position = mark
                        break
                    }
                    for entry in 0..<entries {
                        let (offsetValue, generationValue) = (parser.parseValue(), parser.parseValue())
                        guard case .integer(let offset)? = offsetValue, case .integer(let generation)? = generationValue else {
                            // A number Airlock does not take for an offset (`123.`, `+123`) is one to pdf.js, which
                            // reads the object there (attack round 12); a keyword (`trailer`) ends a short table.
                            if [offsetValue, generationValue].contains(where: { if case .real? = $0 { true } else { false } }) {
                                unscannable("an xref table entry with an offset or generation Airlock does not read as a whole number")
                            }
                            break sections
                        }
                        parser.skipWhitespace()
                        guard parser.position < bytes.count else { break sections }
                        if bytes[parser.position] == UInt8(ascii: "n") { offsets.insert([offset, first &+ entry, generation]) }
                        parser.position += 1
                    }
                }
                guard consume(max(reached, parser.position) - position) else { return }
            }
            for version in versions {
                // Also a stream with `/W` but no `/Type /XRef` or `/Size`: pdf.js reads the one `startxref` names as an
                // xref stream whatever its type (attack rounds 13 and 14).
                for stream in version.value.streamReadings
                where isXRef(stream.dictionary) || stream.dictionary["W"] != nil {
                    for entry in xrefStreamEntries(stream) where offsets.count < objectLimit {
                        if entry.type == 1 { offsets.insert([entry.field, entry.number, entry.generation]) }
                        if entry.type == 2 {
                            objectStreamNumbers.insert(entry.field)
                            compressedEntries.append(entry.number)
                            compressedSlots[entry.field, default: [:]][entry.generation, default: []].append(entry.number)
                        }
                    }
                }
            }
            let known = Set(versions.map(\.position))
            for entry in offsets.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let (offset, expected) = (entry[0], entry[1])
                guard offset > 0, offset < bytes.count else { continue }
                var parser = PDFParser(bytes: bytes, position: offset, maxDepth: 1)
                // Tokens longer than a number are not read to their end (offsets into one long token stay linear).
                func skipNumber() {
                    let start = parser.position
                    while parser.position < bytes.count, parser.position - start <= 32, PDFLexer.isRegular(bytes[parser.position]) {
                        parser.position += 1
                    }
                    if parser.position == start, parser.position < bytes.count { parser.position += 1 }
                }
                parser.skipWhitespace()
                let numberStart = parser.position
                skipNumber()
                let number = PDFLexer.wholeNumber(bytes, numberStart, parser.position)
                parser.skipWhitespace()
                let generationStart = parser.position
                skipNumber()
                let generation = PDFLexer.wholeNumber(bytes, generationStart, parser.position)
                parser.skipWhitespace()
                guard consume(parser.position - offset) else { return }
                if let number, let generation, number >= 0, generation >= 0, PDFLexer.keyword(PDFLexer.objKeyword, in: bytes, at: parser.position) {
                    if known.contains(offset) || known.contains(numberStart) || number != expected { continue }
                    guard readObject(at: parser.position, number: number, generation: generation, start: numberStart) != nil else { return }
                } else if numberStart < bytes.count, PDFLexer.isDigit(bytes[numberStart]) || [0x2B, 0x2D, 0x2E].contains(bytes[numberStart]),
                    !PDFLexer.occurrences(of: PDFLexer.objKeyword, in: Array(bytes[offset..<min(bytes.count, offset + 64)])).isEmpty
                {
                    unscannable("an xref entry points at an object header that cannot be read")
                }
            }
        }

        // MARK: Rebuilt cross-reference

        /// Where every `startxref` value, `/Prev` and `/XRefStm` leads: offset → the position after blanks and comments
        /// there. Each is read once, with its bytes counted.
        mutating func xrefTargets() -> [Int: Int] {
            var offsets: [Int] = []
            for start in PDFLexer.occurrences(of: Array("startxref".utf8), in: bytes) where start == 0 || !PDFLexer.isRegular(bytes[start - 1]) {
                var parser = PDFParser(bytes: bytes, position: start + 9, maxDepth: 1)
                let value = parser.parseValue()?.integer
                guard consume(parser.position - start) else { break }
                if let value { offsets.append(value) }
            }
            for trailer in trailers {
                for key in ["Prev", "XRefStm"] { offsets += integers(trailer.dictionary[key]) }
            }
            var positions: [Int: Int] = [:]
            for offset in offsets where offset >= 0 && offset < bytes.count && positions[offset] == nil {
                var parser = PDFParser(bytes: bytes, position: offset, maxDepth: 1)
                parser.skipWhitespace()
                guard consume(parser.position - offset) else { break }
                positions[offset] = parser.position
            }
            return positions
        }

        /// In an encrypted PDF, a stream typed /XRef that no `startxref`, `/Prev` or `/XRefStm` leads to is read as an
        /// xref by no reader, only fetched as an object, which pdf.js decrypts and the standard does not: unscannable.
        mutating func checkEncryptedXRefStreams() {
            guard readable, decryption != nil else { return }
            let positions = Set(xrefTargets().values)
            for version in versions where !version.compressed && !positions.contains(version.position) {
                for stream in version.value.streamReadings where isXRef(stream.dictionary) && ciphers(of: stream).count > 1 {
                    unscannable("an encrypted PDF holds an xref stream (object \(version.number)) that no startxref, /Prev or /XRefStm names")
                    return
                }
            }
        }

        /// Every raw `n g obj` header as pdf.js's rebuild matches it (`\b\d+\s+\d+\s+obj\b`, anywhere: inside
        /// strings, comments and object bodies) that the scan did not read, read as an object; numbers are taken as
        /// written and, past 2^31, as pdf.js truncates them (`| 0`). The bytes read are bounded (strings that nest
        /// headers in headers would make this quadratic); past the bound the PDF is unscannable. Returns the index of
        /// the first version added.
        mutating func addRawHeaders() -> Int {
            let first = versions.count
            var known = Set(versions.map(\.position))
            for index in PDFLexer.occurrences(of: PDFLexer.objKeyword, in: bytes) {
                guard index + 3 == bytes.count || !isWordByte(bytes[index + 3]) else { continue }
                // Also a header pdf.js's lexer reads at an xref offset (comments between its numbers, a real or signed
                // number): an xref Airlock cannot read may point a reader at it (attack round 12).
                guard let (number, generation, start) = rawHeader(before: index) ?? lenientHeader(before: index), !known.contains(start)
                else { continue }
                known.insert(start)
                var numbers = [number]
                if number > Int(Int32.max) {
                    let truncated = Int(Int32(truncatingIfNeeded: number))
                    if truncated >= 0 { numbers.append(truncated) }
                }
                for number in numbers {
                    guard readObject(at: index, number: number, generation: generation, start: start) != nil else { return first }
                }
            }
            return first
        }

        /// JavaScript's word characters, which `\b` tests.
        func isWordByte(_ byte: UInt8) -> Bool {
            PDFLexer.isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F
        }

        /// Blanks between a raw header's tokens: PDF whitespace and what JavaScript's `\s` adds in Latin-1.
        func isRawBlank(_ byte: UInt8) -> Bool { PDFLexer.isWhitespace(byte) || byte == 0x0B || byte == 0xA0 }

        /// `digits blanks digits blanks` right before the `obj` at `index`, the number's digits not preceded by a
        /// word byte: number (wrapped to 63 bits when longer, which no reader's object number is), generation, start.
        func rawHeader(before index: Int) -> (Int, Int, Int)? {
            var cursor = index - 1
            guard cursor >= 0, isRawBlank(bytes[cursor]) else { return nil }
            while cursor >= 0, isRawBlank(bytes[cursor]) { cursor -= 1 }
            let generationEnd = cursor + 1
            while cursor >= 0, PDFLexer.isDigit(bytes[cursor]) { cursor -= 1 }
            let generationStart = cursor + 1
            guard generationStart < generationEnd, cursor >= 0, isRawBlank(bytes[cursor]) else { return nil }
            while cursor >= 0, isRawBlank(bytes[cursor]) { cursor -= 1 }
            let numberEnd = cursor + 1
            while cursor >= 0, PDFLexer.isDigit(bytes[cursor]) { cursor -= 1 }
            let numberStart = cursor + 1
            guard numberStart < numberEnd, cursor < 0 || !isWordByte(bytes[cursor]) else { return nil }
            func value(_ start: Int, _ end: Int) -> Int {
                var value: UInt64 = 0
                for position in start..<end { value = value &* 10 &+ UInt64(bytes[position] &- 0x30) }
                return Int(value & UInt64(Int.max))
            }
            return (value(numberStart, numberEnd), value(generationStart, generationEnd), numberStart)
        }

        /// The objects a reader's rebuild of the xref finds that the scan did not: their strings decrypted, their object
        /// streams expanded. Read whether or not the xref holds as Airlock reads it: pdf.js rebuilds whenever fetching
        /// the catalog throws, and it throws on bytes Airlock reads without complaint (a stray `)` or `{` in the
        /// lookahead after the catalog, a malformed number), so every definition a reader may end up using is judged.
        /// A definition of the encryption dictionary or an xref stream's `/Encrypt` among them makes the PDF
        /// unscannable (Airlock opened the encryption before).
        mutating func recoverRawHeaders() {
            let first = addRawHeaders()
            guard versions.count > first else { return }
            if let decryption { decryptStrings(decryption, from: first) }
            for index in first..<versions.count {
                if let encryptionObject, versions[index].number == encryptionObject {
                    unscannable("the PDF's encryption dictionary is defined more than once")
                    readable = false
                }
                for stream in versions[index].value.streamReadings where isXRef(stream.dictionary) {
                    if stream.dictionary["Encrypt"] != nil, decryption == nil, readable {
                        unscannable("an xref stream found only by rebuilding the xref declares encryption")
                    }
                    trailers.append((versions[index].position, stream.dictionary))
                }
            }
            expandObjectStreams(from: first)
        }

        /// The entries of an xref stream: type (0, 1, 2), second field (offset, or object stream number) and third
        /// (generation, or index), with the object number each describes.
        /// An xref stream Airlock cannot read whole (data it cannot decode: a predictor, filter or parameter it does not
        /// support; `/W` other than three widths of 0 to 8 bytes) is unscannable: a reader that reads it finds objects
        /// through it that no scan of the file's bytes shows (attack round 12: a catalog and a font behind a 16-bit
        /// predictor, `/W [1 3 1 0]`, their headers split by comments).
        mutating func xrefStreamEntries(_ stream: PDFStream) -> [(number: Int, type: Int, field: Int, generation: Int)] {
            var entries: [(number: Int, type: Int, field: Int, generation: Int)] = []
            let widths: [Int]? = {
                guard case .array(let items)? = stream.dictionary["W"] else { return nil }
                let widths = items.compactMap(\.integer)
                return widths.count == 3 && items.count == 3 && widths.allSatisfy({ $0 >= 0 && $0 <= 8 }) && widths.reduce(0, +) > 0 ? widths : nil
            }()
            guard widths != nil else {
                unscannable("an xref stream whose /W Airlock cannot read (a reader finds objects through it)")
                return []
            }
            // pdf.js follows a reference for `/Index` and `/Size`; Airlock reads them only written in place (attack round
            // 14: no entries at all).
            for key in ["Index", "Size"] {
                let values: [PDFValue] =
                    if case .alternatives(let items)? = stream.dictionary[key] { items } else { stream.dictionary[key].map { [$0] } ?? [] }
                if values.contains(where: { if case .reference = $0 { true } else { false } }) {
                    unscannable("an xref stream whose /\(key) is a reference")
                }
            }
            var decoded = false
            for case (true, .success(let data)) in readings(of: stream) where entries.count < objectLimit {
                decoded = true
                let read = xrefStreamEntries(stream, data)
                // pdf.js keeps 32 bits of each field: one wider reads differently there (attack round 14).
                if read.contains(where: { [$0.type, $0.field, $0.generation].contains { Int(Int32(truncatingIfNeeded: $0)) != $0 } }) {
                    unscannable("an xref stream field wider than 32 bits (pdf.js keeps 32)")
                }
                entries += read
            }
            if !decoded { unscannable("an xref stream whose data Airlock cannot decode (a reader finds objects through it)") }
            return entries
        }

        /// The entries of one reading of an xref stream's data.
        func xrefStreamEntries(_ stream: PDFStream, _ data: [UInt8]) -> [(number: Int, type: Int, field: Int, generation: Int)] {
            guard case .array(let items)? = stream.dictionary["W"] else { return [] }
            let widths = items.compactMap(\.integer)
            guard widths.count == 3, widths.allSatisfy({ $0 >= 0 && $0 <= 8 }) else { return [] }
            var index = [0, stream.dictionary["Size"]?.integer ?? 0]
            if case .array(let items)? = stream.dictionary["Index"] { index = items.compactMap(\.integer) }
            let width = widths.reduce(0, +)
            guard width > 0 else { return [] }
            var entries: [(number: Int, type: Int, field: Int, generation: Int)] = []
            var cursor = 0
            func field(_ width: Int) -> Int {
                var value = 0
                for _ in 0..<width {
                    value = (value << 8) | Int(data[cursor])
                    cursor += 1
                }
                return value
            }
            var pair = 0
            while pair + 1 < index.count {
                let (first, count) = (index[pair], index[pair + 1])
                pair += 2
                guard count >= 0 else { break }
                for offset in 0..<count {
                    guard cursor + width <= data.count, entries.count < objectLimit else { return entries }
                    let type = widths[0] == 0 ? 1 : field(widths[0])
                    let second = field(widths[1])
                    let third = field(widths[2])
                    entries.append((first &+ offset, type, second, third))
                }
            }
            return entries
        }

        /// `n g` before the `obj` at `index`: the numbers and where they start.
        func header(before index: Int) -> (Int, Int, Int)? {
            var cursor = index - 1
            while cursor >= 0, PDFLexer.isWhitespace(bytes[cursor]) { cursor -= 1 }
            let generationEnd = cursor + 1
            while cursor >= 0, generationEnd - cursor <= 6, PDFLexer.isDigit(bytes[cursor]) { cursor -= 1 }
            let generationStart = cursor + 1
            guard generationStart < generationEnd, cursor >= 0, PDFLexer.isWhitespace(bytes[cursor]) else { return nil }
            while cursor >= 0, PDFLexer.isWhitespace(bytes[cursor]) { cursor -= 1 }
            let numberEnd = cursor + 1
            while cursor >= 0, numberEnd - cursor <= 11, PDFLexer.isDigit(bytes[cursor]) { cursor -= 1 }
            let numberStart = cursor + 1
            // A regular byte before the number (`%PDF-1.41 0 obj`) is tolerated: the object is read either way.
            guard numberStart < numberEnd,
                let number = PDFLexer.integer(bytes, numberStart, numberEnd),
                let generation = PDFLexer.integer(bytes, generationStart, generationEnd)
            else { return nil }
            return (number, generation, numberStart)
        }

        /// The index after `endstream` when it follows `index` (after whitespace).
        /// Comments between the data and `endstream` are skipped, as pdf.js's lexer skips them when it checks `/Length`
        /// (attack round 14: `% x` before `endstream` made Airlock end the data at an `endstream` inside it).
        func endstream(after index: Int) -> Int? {
            var cursor = index
            while cursor < bytes.count {
                if PDFLexer.isWhitespace(bytes[cursor]) {
                    cursor += 1
                } else if bytes[cursor] == 0x25 {
                    while cursor < bytes.count, bytes[cursor] != 0x0A, bytes[cursor] != 0x0D { cursor += 1 }
                } else {
                    break
                }
            }
            return PDFLexer.keyword(PDFLexer.endstreamKeyword, in: bytes, at: cursor) ? cursor + 9 : nil
        }

        func firstEndstream(from index: Int) -> Int? {
            var low = 0
            var high = endstreams.count
            while low < high {
                let middle = (low + high) / 2
                if endstreams[middle] < index { low = middle + 1 } else { high = middle }
            }
            return low < endstreams.count ? endstreams[low] : nil
        }

        /// The dictionary after every `trailer` keyword, each read on its own: one a reading of another swallowed still
        /// counts (`%trailer << /X (` in a comment opens a string over the real trailer, which a reader that starts
        /// after its xref table reads). `trailer << trailer << …` would make this quadratic: the parse budget bounds it.
        mutating func scanTrailers() {
            for position in PDFLexer.occurrences(of: Array("trailer".utf8), in: bytes) {
                var parser = PDFParser(bytes: bytes, position: position + 7, maxDepth: depthLimit)
                let value = parser.parseValue()
                guard consume(parser.position - position) else { break }
                if case .dictionary(let dictionary)? = value { trailers.append((position, dictionary)) }
                note(parser)
            }
            for version in versions {
                for stream in version.value.streamReadings where isXRef(stream.dictionary) {
                    trailers.append((version.position, stream.dictionary))
                }
            }
            trailers.sort { $0.position < $1.position }
        }

        mutating func rebuildLatest() {
            latest = [:]
            definitions = [:]
            resolutions.values = [:]
            for (index, version) in versions.enumerated() {
                definitions[version.number, default: []].append(index)
                if let current = latest[version.number], versions[current].position > version.position { continue }
                latest[version.number] = index
            }
        }

        /// The latest definition (for the encryption dictionary, which must be defined once anyway).
        func resolve(_ value: PDFValue?) -> PDFValue? {
            var current = value
            var hops = 0
            while case .reference(let number, _)? = current {
                hops += 1
                guard hops <= chainLimit, let index = latest[number] else { return nil }
                current = versions[index].value
            }
            return current
        }

        /// Every value a reader may take for `value`: a direct value is itself; a reference is every definition of
        /// its object, and a definition that is itself a reference is every definition of that object in turn. Each
        /// object is expanded once per lookup (no blow-up on chains of redefined objects) and each lookup's answer is
        /// kept; past the limits the lookup stops and the file is unscannable.
        func candidates(_ value: PDFValue?) -> [PDFValue] {
            guard let value else { return [] }
            if case .alternatives(let values) = value { return values.flatMap { candidates($0) } }
            guard case .reference(let number, _) = value else { return [value] }
            if let known = resolutions.values[number] { return known }
            var found: [PDFValue] = []
            var seen: Set<Int> = [number]
            var pending: [(number: Int, hops: Int)] = [(number, 0)]
            var examined = 0
            walk: while let (current, hops) = pending.popLast() {
                for index in definitions[current] ?? [] {
                    examined += 1
                    resolutions.steps += 1
                    guard examined <= definitionLimit, resolutions.steps <= resolutionLimit else {
                        resolutions.exceeded = true
                        break walk
                    }
                    let definition = versions[index].value
                    guard case .reference(let next, _) = definition else {
                        found.append(definition)
                        continue
                    }
                    guard hops < chainLimit else {
                        resolutions.exceeded = true
                        continue
                    }
                    if seen.insert(next).inserted { pending.append((next, hops + 1)) }
                }
            }
            resolutions.values[number] = found
            return found
        }

        /// Every value a check needs `value` to be: a reference to an object with no definition Airlock can read is
        /// unscannable (a reader may find one), never a pass.
        mutating func needed(_ value: PDFValue?, _ what: String) -> [PDFValue] {
            let all = candidates(value)
            if all.isEmpty, case .reference(let number, _)? = value, readable {
                unscannable("\(what) refers to object \(number), which cannot be read")
            }
            return all
        }

        /// Every name `value` may mean.
        func names(_ value: PDFValue?) -> Set<String> { Set(candidates(value).compactMap(\.name)) }

        /// Every integer `value` may mean.
        func integers(_ value: PDFValue?) -> Set<Int> { Set(candidates(value).compactMap(\.integer)) }

        /// Whether `value`, or an item or entry of it, may mean more than one thing (decoding parameters: Airlock
        /// decodes a stream one way, so a stream whose filters are redefined is not decoded).
        func ambiguous(_ value: PDFValue?) -> Bool {
            let all = candidates(value)
            guard all.count <= 1 else { return true }
            switch all.first {
            case .array(let items)?: return items.contains { candidates($0).count > 1 || ambiguousEntries($0) }
            case .dictionary?: return ambiguousEntries(all[0])
            default: return false
            }
        }

        func ambiguousEntries(_ value: PDFValue) -> Bool {
            guard let dictionary = candidates(value).first?.dictionary else { return false }
            return dictionary.values.contains { candidates($0).count > 1 }
        }

        // MARK: Encryption

        mutating func openEncryption() {
            guard let trailer = trailers.last(where: { $0.dictionary["Encrypt"] != nil })?.dictionary, let encryptValue = trailer["Encrypt"] else {
                return
            }
            if case .reference(let number, _) = encryptValue { encryptionObject = number }
            rebuildLatest()
            // Two different encryption dictionaries: a reader that follows the xref may take the one that needs a
            // user password while Airlock decrypts with the other's key.
            if candidates(encryptValue).count > 1 {
                unscannable("the PDF's encryption dictionary is defined more than once")
                readable = false
                return
            }
            guard let encrypt = resolve(encryptValue)?.dictionary else {
                if case .null = encryptValue { return }
                unscannable("the PDF's encryption dictionary cannot be read")
                readable = false
                return
            }
            var firstID: [UInt8] = []
            if case .array(let ids)? = trailers.last(where: { $0.dictionary["ID"] != nil })?.dictionary["ID"], case .string(let id)? = ids.first {
                firstID = id
            }
            switch PDFDecryption.open(encrypt, firstID: firstID) {
            case .success(let opened):
                decryption = opened
            case .failure(.needsPassword):
                unscannable("the PDF needs a user password")
                readable = false
            case .failure(.unsupported(let why)):
                unscannable(why)
                readable = false
            }
        }

        /// Decrypts the strings of every object read from the file. An xref stream's strings are not encrypted (ISO
        /// 32000-1 section 7.5.8.2), but pdf.js decrypts every object it fetches through the xref whatever its /Type: an
        /// object typed /XRef keeps both readings, as two definitions.
        mutating func decryptStrings(_ decryption: PDFDecryption, from first: Int = 0) {
            for index in first..<versions.count {
                let version = versions[index]
                if version.number == encryptionObject || version.compressed { continue }
                let plain = decrypt(version.value, decryption, number: version.number, generation: version.generation)
                if plain != version.value, version.value.dictionary.map(isXRef) == true, !addVersion(version) { return }
                versions[index].value = plain
            }
        }

        /// The ciphers readers may apply to a stream's data, the standard's first: none for an xref stream or for
        /// metadata when /EncryptMetadata is false, the crypt filter a /Crypt filter names, else the document's stream
        /// filter, which pdf.js applies to every object it fetches (whatever its /Type; it ignores /Crypt filters).
        func ciphers(of stream: PDFStream) -> [PDFDecryption.Cipher] {
            guard let decryption else { return [.none] }
            var all: [PDFDecryption.Cipher] = []
            let types = names(stream.dictionary["Type"])
            if types.contains("XRef") || (types.contains("Metadata") && !decryption.encryptMetadata) { all.append(.none) }
            let (filterNames, parameters) = filters(of: stream.dictionary)
            if let cryptIndex = filterNames.firstIndex(of: "Crypt") {
                let name = (cryptIndex < parameters.count ? parameters[cryptIndex]?["Name"]?.name : nil) ?? "Identity"
                all.append(decryption.cryptFilters[name] ?? .none)
            }
            all.append(decryption.streamCipher)
            var unique: [PDFDecryption.Cipher] = []
            for cipher in all where !unique.contains(cipher) { unique.append(cipher) }
            return unique
        }

        func decrypt(_ value: PDFValue, _ decryption: PDFDecryption, number: Int, generation: Int) -> PDFValue {
            switch value {
            case .string(let bytes):
                return .string(decryption.decrypt(bytes, number: number, generation: generation, cipher: decryption.stringCipher))
            case .array(let items):
                return .array(items.map { decrypt($0, decryption, number: number, generation: generation) })
            case .dictionary(let dictionary):
                return .dictionary(dictionary.mapValues { decrypt($0, decryption, number: number, generation: generation) })
            case .alternatives(let items):
                return .alternatives(items.map { decrypt($0, decryption, number: number, generation: generation) })
            case .stream(var stream):
                stream.dictionary = stream.dictionary.mapValues { decrypt($0, decryption, number: number, generation: generation) }
                return .stream(stream)
            default:
                return value
            }
        }

        // MARK: Streams

        func filters(of dictionary: [String: PDFValue]) -> ([String], [[String: PDFValue]?]) {
            var names: [String] = []
            switch candidates(dictionary["Filter"]).first {
            case .name(let name)?: names = [name]
            case .array(let items)?: names = items.compactMap { candidates($0).first?.name }
            default: break
            }
            var parameters: [[String: PDFValue]?] = []
            switch candidates(dictionary["DecodeParms"] ?? dictionary["DP"]).first {
            case .dictionary(let parms)?: parameters = [parms.mapValues { candidates($0).first ?? .null }]
            case .array(let items)?: parameters = items.map { candidates($0).first?.dictionary?.mapValues { candidates($0).first ?? .null } }
            default: break
            }
            return (names, parameters)
        }

        /// Where a stream's data may end, the longest first. An exact `/Length` (a direct one followed by `endstream`)
        /// ends it for every reader. Otherwise pdf.js ignores `/Length` and reads to `endstream`, while a reader that
        /// trusts an indirect or wrong `/Length` stops there: the data to `endstream`, and every shorter `/Length` a
        /// definition gives (a longer one reads past `endstream`, which no reader here does).
        func ends(of stream: PDFStream) -> [Int] {
            guard !stream.exact else { return [stream.end] }
            let lengths = integers(stream.dictionary["Length"]).filter { $0 >= 0 && $0 < stream.end - stream.start }
            return [stream.end] + lengths.sorted(by: >).map { stream.start + $0 }
        }

        /// Every reading of a stream's data: one per cipher a reader may apply (see `ciphers(of:)`, the standard's
        /// first) and per end a reader may read to (see `ends(of:)`).
        mutating func readings(of stream: PDFStream) -> [(standard: Bool, data: Result<[UInt8], StreamFailure>)] {
            var all: [(standard: Bool, data: Result<[UInt8], StreamFailure>)] = []
            for (index, cipher) in ciphers(of: stream).enumerated() {
                for end in ends(of: stream) {
                    var truncated = false
                    all.append((index == 0, data(of: stream, to: end, cipher: cipher, truncated: &truncated)))
                }
            }
            return all
        }

        /// The decoded data of a stream up to `end` (decrypted the standard's way, or with `cipher`), or why it cannot
        /// be had; `truncated` when Flate data ended early.
        mutating func data(
            of stream: PDFStream,
            to end: Int,
            cipher: PDFDecryption.Cipher?,
            truncated: inout Bool
        ) -> Result<[UInt8], StreamFailure> {
            guard readable else { return .failure(.unreadable("the PDF cannot be decrypted")) }
            // Decoding parameters that point at nothing Airlock can read: a reader may find them.
            for key in ["Filter", "DecodeParms", "DP"] {
                var values = [stream.dictionary[key]]
                if case .array(let items)? = stream.dictionary[key] { values += items }
                for case .reference(let number, _)? in values where candidates(.reference(number, 0)).isEmpty {
                    return .failure(.unreadable("its /\(key) refers to object \(number), which cannot be read"))
                }
            }
            if ambiguous(stream.dictionary["Filter"]) || ambiguous(stream.dictionary["DecodeParms"] ?? stream.dictionary["DP"]) {
                return .failure(.unreadable("its /Filter or /DecodeParms objects are defined more than once"))
            }
            // Readers pick one of the two spellings, not the same one (pdf.js reads /DP first, Airlock /DecodeParms).
            if stream.dictionary["DecodeParms"] != nil, stream.dictionary["DP"] != nil {
                return .failure(.unreadable("it has both /DecodeParms and /DP"))
            }
            // A filter array with an entry that is not a name: readers fail or skip it, shifting the parameters.
            if case .array(let items)? = candidates(stream.dictionary["Filter"]).first, items.contains(where: { candidates($0).first?.name == nil }) {
                return .failure(.unreadable("its /Filter array holds something other than filter names"))
            }
            guard stream.start <= end, end <= bytes.count else { return .failure(.unreadable("its data lies outside the file")) }
            guard decoded < decodeLimit else { return .failure(.limit) }
            // Streams whose data runs to a shared `endstream` overlap: bound the bytes read, not only those decoded.
            read &+= end - stream.start
            guard read <= bytes.count &+ decodeLimit else { return .failure(.readLimit) }
            var raw = Array(bytes[stream.start..<end])
            let (names, parameters) = filters(of: stream.dictionary)
            if let decryption, let cipher = cipher ?? ciphers(of: stream).first {
                raw = decryption.decrypt(raw, number: stream.number, generation: stream.generation, cipher: cipher)
            }
            let budget = decodeLimit - decoded
            guard budget > 0 else { return .failure(.limit) }
            switch PDFFilters.decode(raw, filters: names, parameters: parameters, budget: budget, truncated: &truncated) {
            case .success(let out):
                decoded += out.count
                return .success(out)
            case .failure(.limit):
                decoded = decodeLimit
                return .failure(.limit)
            case .failure(.unsupported(let what)):
                return .failure(.unsupported(what))
            case .failure(.corrupt(let filter, let why)):
                return .failure(.corrupt(filter, why))
            }
        }

        mutating func expandObjectStreams(from first: Int = 0) {
            let count = versions.count
            // Every stream reading of each object: one left open up to the next object is read both ways.
            for index in first..<count {
                for stream in versions[index].value.streamReadings {
                    // By /Type, or by /N and /First as pdf.js reads it (a reader need not check /Type).
                    let listed =
                        names(stream.dictionary["Type"]).contains("ObjStm") || (stream.dictionary["N"] != nil && stream.dictionary["First"] != nil)
                    guard listed || objectStreamNumbers.contains(stream.number) else { continue }
                    // Decrypted by one reader and not by another: the objects differ, and both cannot be judged (each
                    // reading would hold its own objects under the same numbers). Not an object stream any tool writes.
                    guard ciphers(of: stream).count == 1 else {
                        if readable {
                            unscannable("an object stream that readers decrypt differently (typed /XRef or /Metadata, or a /Crypt filter)")
                        }
                        continue
                    }
                    guard listed else { continue }
                    if integers(stream.dictionary["First"]).count > 1 {
                        unscannable("an object stream's /First is defined more than once")
                    }
                    // Every end a reader may read the data to: each reading's objects count.
                    for end in ends(of: stream) {
                        var truncated = false
                        switch data(of: stream, to: end, cipher: nil, truncated: &truncated) {
                        case .failure(let failure):
                            if readable { unscannable(failure.describe("an object stream")) }
                        case .success(let data):
                            addObjects(of: stream, at: versions[index].position, from: data, truncated: truncated)
                        }
                    }
                }
            }
            rebuildLatest()
        }

        /// The objects one reading of an object stream's data holds, added as definitions at `position`.
        mutating func addObjects(of stream: PDFStream, at position: Int, from data: [UInt8], truncated: Bool) {
            let objectCount = max(0, min(integers(stream.dictionary["N"]).max() ?? 0, objectLimit))
            let first = max(0, integers(stream.dictionary["First"]).min() ?? 0)
            var parser = PDFParser(bytes: data, position: 0, maxDepth: depthLimit)
            var pairs: [(Int, Int)] = []
            // Whole numbers written as reals (`5.`) count, as pdf.js reads them.
            while pairs.count < objectCount, parser.position < min(first, data.count) {
                guard let number = parser.parseValue()?.integer, let offset = parser.parseValue()?.integer else { break }
                pairs.append((number, offset))
            }
            if pairs.count < objectCount, readable {
                unscannable("an object stream lists fewer objects than its /N says")
            }
            // Offsets that overlap make each object parse the same bytes again: bound the work.
            var work = 0
            let workLimit = data.count &* 4 &+ (1 << 20)
            let slots = compressedSlots[stream.number] ?? [:]
            objects: for (slot, (number, offset)) in pairs.enumerated() {
                let (start, overflow) = first.addingReportingOverflow(offset)
                guard !overflow, start >= 0, start < data.count else {
                    // An object placed past the data: a reader with other data (another end, another decoding) reads
                    // one there.
                    if readable { unscannable("an object stream names an object past the end of its data") }
                    continue
                }
                guard work <= workLimit else {
                    unscannable("an object stream's objects overlap past the parse limit")
                    break
                }
                parser.position = start
                let value = parser.parseValue() ?? .null
                work &+= max(0, parser.position - start)
                guard consume(parser.position - start) else { break }
                // The object is the header's number to Airlock's reading, and every number the xref puts at its index
                // to pdf.js's: each is a definition.
                var numbers = [number]
                for other in slots[slot] ?? [] where !numbers.contains(other) {
                    numbers.append(other)
                    if readable {
                        unscannable("the xref puts object \(other) in an object stream that does not hold it (pdf.js takes the object at its index)")
                    }
                }
                for number in numbers {
                    let version = Version(number: number, generation: 0, value: value, position: position, compressed: true)
                    guard addVersion(version) else { break objects }
                }
            }
            note(parser, malformation: readable)
            if truncated, pairs.count < objectCount {
                unscannable("an object stream cannot be inflated: the compressed data ends early")
            }
        }

        // MARK: Analysis

        mutating func visit(_ value: PDFValue) {
            switch value {
            case .array(let items), .alternatives(let items):
                for item in items { visit(item) }
            case .dictionary(let dictionary):
                inspect(dictionary, stream: nil)
                for item in dictionary.values { visit(item) }
            case .stream(let stream):
                inspect(stream.dictionary, stream: stream)
                for item in stream.dictionary.values { visit(item) }
            default:
                break
            }
        }

        /// The entries `inspect` looks at, gathered in one pass over the keys (no hashing per check).
        struct Entries {
            var type, subtype, s, js, openAction, additional, action, names, embedded, associated, xfa: PDFValue?
            var richMedia = false
            var fileSystem, externalFilter, reference, instantiate, fontMatrix, fontFile, functionType: PDFValue?
            var title = false
            var outlineLinks = false
            var fieldType = false
            var fieldName = false
            var paths: [PDFValue] = []

            init(_ dictionary: [String: PDFValue]) {
                for (key, value) in dictionary {
                    switch key {
                    case "Type": type = value
                    case "Subtype": subtype = value
                    case "S": s = value
                    case "JS": js = value
                    case "OpenAction": openAction = value
                    case "AA": additional = value
                    case "A": action = value
                    case "Names": names = value
                    case "EF": embedded = value
                    case "AF": associated = value
                    case "XFA": xfa = value
                    case "RichMediaContent", "RichMediaSettings": richMedia = true
                    case "FS": fileSystem = value
                    case "FFilter": externalFilter = value
                    case "Ref": reference = value
                    case "OnInstantiate": instantiate = value
                    case "FontMatrix": fontMatrix = value
                    case "FontFile": fontFile = value
                    case "FunctionType": functionType = value
                    case "Title": title = true
                    case "Parent", "Next", "Prev": outlineLinks = true
                    case "FT": fieldType = true
                    case "T": fieldName = true
                    case "F", "UF", "DOS", "Mac", "Unix": paths.append(value)
                    default: break
                    }
                }
            }
        }

        mutating func inspect(_ dictionary: [String: PDFValue], stream: PDFStream?) {
            let entries = Entries(dictionary)
            let types = names(entries.type)
            let subtypes = names(entries.subtype)
            if entries.js != nil {
                check(action: dictionary, trigger: .direct)
            } else if entries.s != nil, types.contains("Action") || !names(entries.s).isDisjoint(with: actionTypes) {
                check(action: dictionary, trigger: .direct)
            }
            if let openAction = entries.openAction { follow(openAction, trigger: .openAction) }
            if entries.additional != nil, firstVisit(entries.additional, 1) {
                for additional in candidates(entries.additional).compactMap(\.dictionary) {
                    for value in additional.values { follow(value, trigger: .additional) }
                }
            }
            if let action = entries.action {
                let trigger: Trigger
                if entries.title, entries.outlineLinks {
                    trigger = .outline
                } else if entries.fieldType || (entries.fieldName && !subtypes.contains("Link")) {
                    trigger = .field
                } else {
                    trigger = .annotation
                }
                follow(action, trigger: trigger)
            }
            if entries.names != nil {
                for names in candidates(entries.names).compactMap(\.dictionary) {
                    if names["JavaScript"] != nil { active("document-level JavaScript (/Names /JavaScript)") }
                    if names["EmbeddedFiles"] != nil { active("embedded files (/Names /EmbeddedFiles)") }
                }
            }
            if types.contains("EmbeddedFile") || entries.embedded != nil { active("an embedded file") }
            for associated in candidates(entries.associated) {
                if case .array(let items) = associated, items.isEmpty {} else { active("associated files (/AF)") }
            }
            if subtypes.contains("FileAttachment") { active("a file attachment annotation") }
            if entries.xfa != nil { active("an XFA form") }
            if subtypes.contains("RichMedia") || entries.richMedia { active("RichMedia content") }
            if entries.fileSystem != nil, names(entries.fileSystem).contains("URL") { active("a resource fetched from a URL (/FS /URL)") }
            if stream != nil, dictionary["F"] != nil || entries.externalFilter != nil {
                active("a stream whose data is fetched from an external file")
            }
            // File specifications (as dictionaries or bare strings under /F): remote and UNC paths are fetched.
            for path in entries.paths {
                for case .string(let text) in candidates(path) where readable && isRemote(text) {
                    active("a file specification to a remote or UNC path")
                }
            }
            if entries.reference != nil, candidates(entries.reference).contains(where: { $0.dictionary?["F"] != nil }) {
                active("a reference XObject that imports another file")
            }
            if entries.instantiate != nil { active("3D artwork JavaScript (/OnInstantiate)") }
            if let matrix = entries.fontMatrix, firstVisit(matrix, 2) { checkFontMatrix(matrix) }
            if let fontFile = entries.fontFile { checkType1(fontFile) }
            if let stream {
                if entries.functionType != nil, needed(entries.functionType, "a /FunctionType").contains(where: { $0.integer == 4 }) {
                    checkCalculator(stream)
                }
                if types.contains("Metadata") || subtypes.contains("XML") { checkXML(stream) }
            }
        }

        /// Whether a shared (indirect) value is checked for the first time; direct values always are.
        mutating func firstVisit(_ value: PDFValue?, _ kind: Int) -> Bool {
            guard case .reference(let number, let generation)? = value else { return true }
            return seenReferences.insert([number, generation, kind]).inserted
        }

        /// Follows an action (and its /Next chain) reached from `trigger`.
        mutating func follow(_ start: PDFValue, trigger: Trigger) {
            // A destination (every definition of it an array).
            if trigger == .openAction {
                let all = candidates(start)
                if !all.isEmpty, all.allSatisfy(\.isArray) { return }
            }
            var pending: [PDFValue] = [start]
            while let value = pending.popLast() {
                guard actionsFollowed < actionLimit else { return }
                actionsFollowed += 1
                if case .reference(let number, _) = value {
                    guard followedActions.insert([number, trigger.rawValue]).inserted else { continue }
                    // Every definition (through chains of references), each as a direct value.
                    let all = candidates(value)
                    guard !all.isEmpty else {
                        // An action that points at nothing Airlock can read: a reader may find it (an object stream
                        // Airlock could not expand, a shadowed length).
                        if readable { unscannable("an action refers to object \(number), which cannot be read") }
                        continue
                    }
                    pending.append(contentsOf: all)
                    continue
                }
                switch value {
                case .alternatives(let items):
                    pending.append(contentsOf: items)
                case .array(let items):
                    pending.append(
                        contentsOf: items.filter {
                            if case .reference = $0 { return true }; if case .dictionary = $0 { return true }; return false
                        }
                    )
                case .dictionary(let dictionary):
                    guard dictionary["S"] != nil || dictionary["JS"] != nil || dictionary["Next"] != nil else { continue }
                    check(action: dictionary, trigger: trigger)
                    if let next = dictionary["Next"] { pending.append(next) }
                case .stream(let stream):
                    if stream.dictionary["S"] != nil { check(action: stream.dictionary, trigger: trigger) }
                case .null:
                    continue
                default:
                    // A number, string, name or boolean where an action (or a destination) belongs: what Airlock read
                    // there is not what any reader acts on, so some reader reads these bytes otherwise (data Airlock
                    // did not decrypt or decode as a reader does).
                    if readable { unscannable("an action entry holds neither an action nor a destination") }
                }
            }
        }

        /// Checks an action as every definition of its /S (and of the entries the check reads) may make it.
        mutating func check(action: [String: PDFValue], trigger: Trigger) {
            let types = Set(needed(action["S"], "an action's /S").compactMap(\.name))
            if action["JS"] != nil || types.contains("JavaScript") {
                report(trigger, "JavaScript")
                return
            }
            // `/S` missing, empty, or (in some definition) not a name.
            if types.isEmpty || types.contains("") || candidates(action["S"]).contains(where: { $0.name == nil }) {
                report(trigger, "untyped")
            }
            for type in types.sorted() {
                switch type {
                case "GoTo", "ResetForm", "":
                    continue  // ResetForm clears fields and fetches nothing
                case "URI":
                    guard readable else { continue }
                    for case .string(let uri) in candidates(action["URI"]) {
                        if isMail(uri), !trigger.automatic { continue }
                        if !isWeb(uri) {
                            report(trigger, "URI", " to a non-web address (\(scheme(of: uri)))")
                        } else if trigger.automatic {
                            report(trigger, "URI", " (navigation without a user gesture)")
                        }
                    }
                case "Named":
                    let actions = candidates(action["N"])
                    if actions.isEmpty || !actions.allSatisfy({ $0.name.map(navigationNames.contains) ?? false }) {
                        report(trigger, "Named", " other than page navigation")
                    }
                case "Thread":
                    if action["F"] != nil { report(trigger, "Thread", " with a file specification") }
                default:
                    report(trigger, type)
                }
            }
        }

        /// Actions found where they stand are reported only when no trigger already reported their kind.
        mutating func report(_ trigger: Trigger, _ type: String, _ detail: String = "") {
            if trigger == .direct {
                if untriggeredTypes.insert(type).inserted { untriggered.append((type, trigger.describe(type) + detail)) }
            } else {
                reportedTypes.insert(type)
                active(trigger.describe(type) + detail)
            }
        }

        // MARK: Addresses

        func trimmed(_ bytes: [UInt8]) -> [UInt8] {
            var text = bytes
            // UTF-16BE text strings: keep the low bytes.
            if text.count >= 2, text[0] == 0xFE, text[1] == 0xFF {
                text = stride(from: 3, to: text.count, by: 2).map { text[$0] }
            }
            guard let start = text.firstIndex(where: { $0 > 0x20 }) else { return [] }
            return Array(text[start...])
        }

        func isRemote(_ path: [UInt8]) -> Bool {
            let text = trimmed(path)
            if text.starts(with: [0x5C, 0x5C]) || text.starts(with: [0x2F, 0x2F]) { return true }
            return schemeBytes(text) != nil
        }

        func schemeBytes(_ text: [UInt8]) -> [UInt8]? {
            guard let colon = text.firstIndex(of: 0x3A), colon >= 2 else { return nil }  // `C:` is a drive letter
            let candidate = text[0..<colon]
            guard let first = candidate.first, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A else { return nil }
            for byte in candidate {
                let lower = byte | 0x20
                guard (lower >= 0x61 && lower <= 0x7A) || PDFLexer.isDigit(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E else { return nil }
            }
            return candidate.map { $0 | 0x20 }
        }

        func isWeb(_ uri: [UInt8]) -> Bool {
            let text = trimmed(uri)
            guard let scheme = schemeBytes(text), scheme == Array("http".utf8) || scheme == Array("https".utf8) else { return false }
            // `http:\\host` and the like are not web addresses for every reader.
            let rest = text.dropFirst(scheme.count + 1)
            return rest.starts(with: [0x2F, 0x2F]) && !rest.contains(0x5C)
        }

        /// A `mailto:` address as written, admitted like a web link where a click follows it (an e-mail client opens a
        /// draft; OOXML hyperlinks admit it too). Not UTF-16 (whose low bytes `trimmed` reads), nothing before the scheme
        /// but what URL parsers strip (C0 controls and spaces), and no `attach=` parameter (mail clients that honoured
        /// it attached local files).
        func isMail(_ uri: [UInt8]) -> Bool {
            guard !uri.starts(with: [0xFE, 0xFF]), !uri.starts(with: [0xFF, 0xFE]),
                let start = uri.firstIndex(where: { $0 > 0x20 })
            else { return false }
            let lower = uri[start...].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            return lower.starts(with: Array("mailto:".utf8)) && PDFLexer.occurrences(of: Array("attach".utf8), in: lower).isEmpty
        }

        func scheme(of uri: [UInt8]) -> String {
            let text = trimmed(uri)
            if text.starts(with: [0x5C, 0x5C]) || text.starts(with: [0x2F, 0x2F]) { return "a UNC path" }
            if let scheme = schemeBytes(text) { return String(decoding: scheme.prefix(32), as: UTF8.self) + ":" }
            return "no scheme"
        }

        // MARK: Fonts, functions, XML

        mutating func checkFontMatrix(_ value: PDFValue) {
            for matrix in needed(value, "a FontMatrix") {
                guard case .array(let items) = matrix, items.allSatisfy({ needed($0, "a FontMatrix").allSatisfy { $0.isNumber } }) else {
                    active("a font whose FontMatrix is not all numbers (CVE-2024-4367 class)")
                    return
                }
            }
        }

        /// Streams decoded for a check, once each.
        mutating func firstCheck(_ stream: PDFStream, _ kind: Int) -> Bool {
            checkedStreams.insert([stream.number, stream.generation, stream.start, kind]).inserted
        }

        mutating func checkType1(_ value: PDFValue) {
            for case .stream(let stream) in candidates(value) { checkType1(stream) }
        }

        mutating func checkType1(_ stream: PDFStream) {
            guard firstCheck(stream, 1) else { return }
            for reading in readings(of: stream) { checkType1(reading.data, stream) }
        }

        mutating func checkType1(_ reading: Result<[UInt8], StreamFailure>, _ stream: PDFStream) {
            switch reading {
            case .failure(let why):
                if readable { unscannable(why.describe("a Type 1 font program")) }
            case .success(let data):
                // The clear-text part: the longest any definition of /Length1 gives.
                let clear = integers(stream.dictionary["Length1"]).max().map { max(0, min($0, data.count)) } ?? data.count
                let text = Array(data[0..<clear])
                for position in PDFLexer.occurrences(of: Array("/FontMatrix".utf8), in: text) {
                    // A small window: a matrix is six numbers, and hostile fonts must not make this quadratic.
                    let window = Array(text[(position + 11)..<min(text.count, position + 11 + 512)])
                    var parser = PDFParser(bytes: window, position: 0, maxDepth: 4)
                    parser.skipWhitespace()
                    guard parser.position < window.count else { continue }
                    let open = window[parser.position]
                    // `/FontMatrix get` and the like in font procedures read the matrix, they do not define it.
                    guard open == 0x5B || open == 0x7B else { continue }
                    parser.position += 1
                    var numbers = 0
                    while true {
                        parser.skipWhitespace()
                        guard parser.position < window.count else { break }
                        let byte = window[parser.position]
                        if byte == 0x5D || byte == 0x7D { break }
                        guard case .some(let item) = parser.parseValue(), item.isNumber, numbers < 16 else {
                            active("a Type 1 font program whose FontMatrix is not all numbers (CVE-2024-4367 class)")
                            break
                        }
                        numbers += 1
                    }
                }
            }
        }

        mutating func checkCalculator(_ stream: PDFStream) {
            guard firstCheck(stream, 2) else { return }
            for reading in readings(of: stream) { checkCalculator(reading.data) }
        }

        mutating func checkCalculator(_ reading: Result<[UInt8], StreamFailure>) {
            switch reading {
            case .failure(let why):
                if readable { unscannable(why.describe("a PostScript calculator function")) }
            case .success(let data):
                var index = 0
                while index < data.count {
                    let byte = data[index]
                    if PDFLexer.isWhitespace(byte) || byte == 0x7B || byte == 0x7D {
                        index += 1
                        continue
                    }
                    let start = index
                    while index < data.count, !PDFLexer.isWhitespace(data[index]), data[index] != 0x7B, data[index] != 0x7D { index += 1 }
                    let token = String(decoding: data[start..<index], as: UTF8.self)
                    if calculatorOperators.contains(token) || isNumberToken(data[start..<index]) { continue }
                    active("a PostScript calculator function with non-calculator content (CVE-2018-5158 class)")
                    return
                }
            }
        }

        func isNumberToken(_ token: ArraySlice<UInt8>) -> Bool {
            var digits = 0
            var dots = 0
            for (offset, byte) in token.enumerated() {
                if PDFLexer.isDigit(byte) {
                    digits += 1
                } else if byte == 0x2E {
                    dots += 1
                } else if (byte == 0x2B || byte == 0x2D) && offset == 0 {
                    continue
                } else {
                    return false
                }
            }
            return digits > 0 && dots <= 1
        }

        mutating func checkXML(_ stream: PDFStream) {
            guard firstCheck(stream, 3) else { return }
            for reading in readings(of: stream) {
                // Plain XMP (what /EncryptMetadata false means) decrypted by pdf.js is noise that no filter decodes:
                // that reader gets no metadata, nothing to judge.
                if !reading.standard, case .failure(.corrupt) = reading.data { continue }
                checkXML(reading.data)
            }
        }

        mutating func checkXML(_ reading: Result<[UInt8], StreamFailure>) {
            switch reading {
            case .failure(let why):
                if readable { unscannable(why.describe("an XML metadata stream")) }
            case .success(let data):
                let lower = data.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
                // UTF-16 XML: drop the zero bytes before looking.
                let text = lower.contains(0) ? lower.filter { $0 != 0 } : lower
                if !PDFLexer.occurrences(of: Array("<!doctype".utf8), in: text).isEmpty
                    || !PDFLexer.occurrences(of: Array("<!entity".utf8), in: text).isEmpty
                {
                    active("an XML stream with a DOCTYPE or ENTITY declaration (XXE)")
                }
            }
        }
    }
}
