#if canImport(Glibc)
import Glibc
#endif

/// PHP code in the raw bytes of a file that is not text (images, PDFs, archives as stored, any binary): PHP includes
/// a file by reading its bytes, echoes what lies outside its tags and runs what lies inside, wherever an opener sits
/// (scan data, EXIF, a PDF stream, a second image appended).
///
/// Three openers count. A case-insensitive `<?php` followed by whitespace: six specific bytes that random data does
/// not hold. A short echo `<?=` (always on) followed by code PHP would compile: three bytes that compressed data holds
/// about once in 16 MiB, so the bytes after it are lexed the way PHP (7.4 and later) lexes them up to the end of the
/// block (`?>`, the end of the file). And a short open tag `<?` (short_open_tag is On by PHP's built-in default; only
/// the sample php.ini files turn it off) followed by statements PHP would compile. Binaries hold `<?` every 64 KiB,
/// but with short tags on every `<?` opens a block and PHP compiles the whole file before it runs any of it: the
/// first block PHP cannot compile (binary after the `<?`, `<?xml version="1.0"?>`, `<?xpacket begin=…?>`) means the
/// file runs nothing with short tags, and the look for them stops there. `<?php` and `<?=` are looked for in every
/// case (with short tags off, a `<?` is text).
///
/// The lexing (``lex(statements:next:)``) skips whitespace and comments; the first token must start an expression
/// (`<?=`) or a statement (`<?`); strings and comments may hold any byte, but a control byte in code (anything below
/// 0x20 but tab, line feed and carriage return, and 0x7F; in a string's `{$…}` too) is a parse error. A few grammar
/// rules PHP enforces are checked as well: brackets must match (none but `{` open at `?>`, none at the end), a `$`
/// must be followed by a name, `$` or `{`, two operands in a row (two names that are not keywords outside a
/// declaration, a variable, string or number followed by another, a name followed by a string, a type before a
/// variable outside a parameter list or a declaration, a number with a byte 0x80-0xFF in it) are a syntax error, and
/// `?>` (a `;`) cannot follow an operator. Where the lexer is not
/// modelled (a heredoc, `__halt_compiler`, `#[`: an attribute since PHP 8, a comment before), the code counts as
/// found.
///
/// One pass over the bytes with `memchr`; the bytes after an opener are read again only for the lexing, bounded by a
/// budget of the file's size again (a file full of `<?=` passes it and is unscannable).
enum RawCode {
    enum Outcome: Equatable {
        case clean
        /// `<?php` followed by whitespace.
        case openTag
        /// `<?=` followed by code PHP would compile.
        case shortEcho
        /// `<?` followed by statements PHP would compile, in a file PHP compiles with short tags on.
        case shortOpenTag
        /// A read failed: the bytes cannot be called free of code.
        case unreadable
        /// The checks after the openers read more than their budget.
        case overBudget
    }

    static func phpCode(descriptor: Int32, size: Int64) -> Outcome {
        var lexer = Blocks(descriptor: descriptor, size: size)
        var buffer = [UInt8](repeating: 0, count: Int(min(max(size, 1), 1 << 20)))
        var offset: Int64 = 0
        while offset < size {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return .unreadable }
            let outcome = buffer.withUnsafeBufferPointer { openers(in: UnsafeBufferPointer(rebasing: $0[0..<count]), at: offset, lexer: &lexer) }
            if outcome != .clean { return outcome }
            offset += Int64(count)
        }
        return .clean
    }

    /// The openers in one chunk read at `offset` (bytes past its end are read through `lexer`).
    private static func openers(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int64, lexer: inout Blocks) -> Outcome {
        guard let base = bytes.baseAddress else { return .clean }
        var index = 0
        while index < bytes.count, let found = memchr(base + index, 0x3C, bytes.count - index) {
            let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            index = at + 1
            // The byte `ahead` bytes after the `<`: -1 past the end of the file, nil when it cannot be read.
            func byte(_ ahead: Int) -> Int? {
                at + ahead < bytes.count ? Int(bytes[at + ahead]) : lexer.peek(offset + Int64(at + ahead))
            }
            guard let second = byte(1) else { return .unreadable }
            guard second == 0x3F, let third = byte(2) else { continue }
            let position = offset + Int64(at)
            // With short tags on, this `<?` opens a block unless it sits inside an earlier one.
            let opensBlock = lexer.shortTags && position >= lexer.resume
            if third == 0x3D {  // `<?=`
                // Inside a block an earlier `<?` left open, this echo is read with short tags off only: counted.
                if opensBlock, lexer.braces > 0 { return .shortOpenTag }
                switch lexer.lex(from: position + 3, statements: false) {
                case .code: return .shortEcho
                case .failed(let outcome): return outcome
                case .noCode, .parseError: if opensBlock { lexer.shortTags = false }  // `<?= ?>` is a parse error too
                }
                continue
            }
            if third | 0x20 == 0x70 {  // `<?p`
                guard let fourth = byte(3), let fifth = byte(4), let sixth = byte(5) else { return .unreadable }
                if fourth | 0x20 == 0x68, fifth | 0x20 == 0x70, sixth == 0x20 || sixth == 0x09 || sixth == 0x0A || sixth == 0x0D {
                    return .openTag
                }
            }
            // `<?php` at the end of the file opens a block with nothing in it (PHP 8).
            guard opensBlock, !(third | 0x20 == 0x70 && byte(3).map { $0 | 0x20 } == 0x68 && byte(4).map { $0 | 0x20 } == 0x70 && byte(5) == -1)
            else { continue }
            switch lexer.lex(from: position + 2, statements: true) {
            case .code: return .shortOpenTag
            case .failed(let outcome): return outcome
            case .noCode(let length, let braces):
                lexer.resume = position + 2 + Int64(length)
                lexer.braces = braces
            case .parseError: lexer.shortTags = false
            }
        }
        return .clean
    }

    /// What the lexing of one block found.
    enum Block: Equatable {
        /// Code PHP would compile.
        case code
        /// Nothing that does something up to the `?>` or the end, `length` bytes, leaving `braces` blocks (`{`) open
        /// for later PHP blocks to close.
        case noCode(length: Int, braces: Int)
        /// Bytes PHP cannot compile: the file runs nothing.
        case parseError
        /// The bytes could not be read.
        case failed
    }

    /// The lexing of the blocks in a file, read through a cursor.
    struct Blocks {
        private var cursor: FileCursor
        private let size: Int64
        /// Bytes the checks may still read: the file's size again, and 1 MiB.
        private var budget: Int64
        /// Whether the file may still compile with short tags on: no block before has failed.
        var shortTags = true
        /// Where the last block that held no code ended: a `<?` before it is inside that block.
        var resume: Int64 = 0
        /// The blocks (`{`) the blocks before left open.
        var braces = 0

        init(descriptor: Int32, size: Int64) {
            cursor = FileCursor(descriptor: descriptor, size: size)
            self.size = size
            budget = size + (1 << 20)
        }

        /// The byte at `position`: -1 past the end of the file, nil when it cannot be read.
        mutating func peek(_ position: Int64) -> Int? {
            guard position < size else { return -1 }
            guard cursor.seek(to: position), let byte = cursor.byte() else { return nil }
            return Int(byte)
        }

        enum Lexed {
            case code, noCode(Int, braces: Int), parseError
            case failed(Outcome)
        }

        /// Lexes the block from `start` (after `<?=`, or after `<?` when `statements`).
        mutating func lex(from start: Int64, statements: Bool) -> Lexed {
            var attributes = false
            let first = lex(from: start, statements: statements, php8: false, attributes: &attributes)
            switch first {
            case .code, .failed: return first
            case .noCode, .parseError: if !attributes { return first }
            }
            // `#[` opened a comment to PHP 7 and opens an attribute to PHP 8: code to either is code, and the file
            // goes on compiling when either compiles.
            let second = lex(from: start, statements: statements, php8: true, attributes: &attributes)
            if case .parseError = second { return first }
            if case .noCode = first, case .noCode = second { return first }
            return second
        }

        private mutating func lex(from start: Int64, statements: Bool, php8: Bool, attributes: inout Bool) -> Lexed {
            guard cursor.seek(to: start) else { return .failed(.unreadable) }
            var position = start
            var overBudget = false
            let block = RawCode.lex(statements: statements, php8: php8, braces: statements ? braces : 0, attributes: &attributes) {
                guard position < size else { return -1 }
                guard budget > 0 else {
                    overBudget = true
                    return nil
                }
                guard let byte = cursor.byte() else { return nil }
                position += 1
                budget -= 1
                return Int(byte)
            }
            switch block {
            case .code: return .code
            case .noCode(let length, let braces): return .noCode(length, braces: braces)
            case .parseError: return .parseError
            case .failed: return .failed(overBudget ? .overBudget : .unreadable)
            }
        }
    }

    /// Whether the bytes from `start` (just after a `<?`) are statements PHP would compile, reading at most `budget`
    /// bytes (past it, they count as code). `openBraces`: whether a `{` left open counts (a later block may close it).
    static func compiles(_ bytes: [UInt8], from start: Int, budget: inout Int, openBraces: Bool = true) -> Bool {
        var attributes = false
        for php8 in [false, true] where !php8 || attributes {
            var index = start
            let block = lex(statements: true, php8: php8, attributes: &attributes) {
                guard index < bytes.count else { return -1 }
                guard budget > 0 else { return nil }
                budget -= 1
                index += 1
                return Int(bytes[index - 1])
            }
            if block == .code || block == .failed { return true }
            if openBraces, case .noCode(_, let braces) = block, braces > 0 { return true }  // a later block would close it
        }
        return false
    }

    private enum State {
        case code, lineComment, blockComment, string(UInt8)
        /// After `<<<`: the heredoc's label line (`quote` 0 before any quote or label, 1 in an unquoted label).
        case heredoc(quote: UInt8, label: Bool)
    }

    /// The last token read in code, for the rule against two operands in a row.
    private enum Token {
        /// The start, an operator or other punctuation.
        case none
        /// `)`, `]`, `}`: a cast, a condition or a block may be followed by anything.
        case close
        /// A variable, string or number.
        case operand
        /// A name that is not a keyword.
        case name
        /// A keyword.
        case keyword
    }

    private static let halt = Array("__halt_compiler".utf8)

    /// Keywords that do nothing by themselves: operators and type names (`<?as?>`, `<?int?>`).
    private static let inertKeywords: Set<String> = [
        "and", "or", "xor", "as", "instanceof", "insteadof", "extends", "implements", "from", "int", "integer", "float",
        "double", "real", "bool", "boolean", "string", "binary", "object", "iterable", "mixed", "void", "null", "never",
        "false", "true", "self", "parent", "get", "set", "callable",
    ]

    /// Keywords that open a declaration, where a type precedes a name or variable.
    private static let modifiers: Set<String> = ["const", "public", "protected", "private", "var", "static", "readonly", "final", "abstract"]

    /// Keywords, and the type names that may precede another name, lower case. A name in this list may follow or be
    /// followed by another token (`echo 'x'`, `$a instanceof B`, `const int X`); one that is not may not.
    static let keywords: Set<String> = [
        "abstract", "and", "array", "as", "break", "callable", "case", "catch", "class", "clone", "const", "continue",
        "declare", "default", "die", "do", "echo", "else", "elseif", "empty", "enddeclare", "endfor", "endforeach",
        "endif", "endswitch", "endwhile", "enum", "eval", "exit", "extends", "final", "finally", "fn", "for", "foreach",
        "from", "function", "global", "goto", "if", "implements", "include", "include_once", "instanceof", "insteadof",
        "interface", "isset", "list", "match", "namespace", "new", "or", "print", "private", "protected", "public",
        "readonly", "require", "require_once", "return", "static", "switch", "throw", "trait", "try", "unset", "use",
        "var", "while", "xor", "yield", "int", "integer", "float", "double", "real", "bool", "boolean", "string",
        "binary", "object", "iterable", "mixed", "void", "null", "never", "false", "true", "self", "parent", "get",
        "set",
    ]

    /// Lexes one block the way PHP does, as far as it must to tell whether PHP would compile it. `next` gives the
    /// next byte, -1 at the end of the input, nil when it cannot be read.
    ///
    /// Statements (after `<?`) count as code only when one of them can do something: a call (`(` after a name, a
    /// string, a variable or a bracket), a command, a keyword (`include`, `echo`, `new`, …). Constants, variables and
    /// operators alone (`<?FOO+BAR?>`, `<?$x?>`: random bytes spell such blocks) compile but run nothing; the file
    /// goes on to its next block, with the `{` they left open.
    /// - Parameters:
    ///   - php8: `#[` opens an attribute (PHP 8), not a comment (PHP 7).
    ///   - attributes: Set when a `#[` was read.
    static func lex(statements: Bool, php8: Bool = false, braces: Int = 0, attributes: inout Bool, next: () -> Int?) -> Block {
        var state = State.code
        var started = false  // the first token, which must start an expression or a statement, was seen
        var code = false  // a token other than `;` was seen
        var previous: UInt8 = 0  // the byte before, in the same state
        var escaped = false  // in a string, after a backslash
        var angles = 0  // `<` in a row (three open a heredoc)
        var name = 0  // bytes of the name being read
        var word: [UInt8] = []  // its first 16 bytes, lower case
        var variable = false  // the name is a variable's (`$` before it)
        var halt = false  // whether its bytes are the first of `__halt_compiler`
        var hash = false  // at the first byte of a comment `#` opened
        var dollar = false  // the byte before was a `$`
        var awaitVariable = false  // a `$` not followed by a name waits for `$` or `{`
        var token = Token.none
        var stack = [UInt8](repeating: 0x7B, count: braces)  // open `(`, `[`, `{`, and a string's quote for its `{$…}`
        var length = 0
        var active = !statements  // a token that does something was read (an expression to echo does)
        var ender = true  // the last token may end a statement (`?>` stands for a `;`)
        var enderBeforeQuestion = true
        var previousCode: UInt8 = 0  // the last byte read in code that is not a name's or a blank
        var declaration = false  // after a modifier (`const`, `public`, …), before the `=`, `;` or block
        var highByte = false  // the name being read holds a byte 0x80-0xFF
        var numberDot = false  // the number being read took its `.`
        word.reserveCapacity(16)

        /// The name just read ends: false when it makes two operands in a row.
        func endName() -> Bool {
            defer {
                name = 0
                variable = false
            }
            let digit = word.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? false
            ender = true
            if variable || digit {
                if token == .operand || (digit && token == .name) { return false }
                // `1\x80`: a number, then a name.
                if digit, highByte { return false }
                // A type before a variable: in a parameter list or a property declaration only.
                if variable, token == .name, stack.last != 0x28, !declaration { return false }
                token = .operand
                return true
            }
            let keyword = name <= 16 && keywords.contains(String(decoding: word, as: UTF8.self))
            // A declaration's type may be a name, nullable or a union (`const ?Foo|Bar X`, `public A|B $x`): no rule
            // up to its `=`.
            if !keyword, !declaration, token == .operand || token == .name { return false }
            if keyword {
                let text = String(decoding: word, as: UTF8.self)
                if !Self.inertKeywords.contains(text) { active = true }
                if Self.modifiers.contains(text) { declaration = true }
            }
            token = keyword ? .keyword : .name
            return true
        }
        func closed(ends: Bool) -> Block {
            if !ends || awaitVariable || dollar || stack.contains(where: { $0 != 0x7B }) { return .parseError }
            return code && active ? .code : .noCode(length: length, braces: stack.count)
        }

        while true {
            guard let value = next() else { return .failed }
            if value < 0 { break }
            let byte = UInt8(truncatingIfNeeded: value)
            length += 1
            switch state {
            case .code:
                if previous == 0x2F, byte == 0x2A || byte == 0x2F {  // `/*`, `//`
                    state = byte == 0x2A ? .blockComment : .lineComment
                    previous = 0
                    continue
                }
                // Nothing starts with `/`; a lone `$` is followed by `$` or `{`.
                if previous == 0x2F, !started || awaitVariable { return .parseError }
                if previous == 0x3F, byte == 0x3E { return closed(ends: enderBeforeQuestion) }  // `?>` ends the block
                if previous == 0x3F, !started { return .parseError }  // nothing starts with `?`
                let afterDollar = dollar
                dollar = false
                previous = byte
                angles = byte == 0x3C ? angles + 1 : 0
                // PHP's DNUM (`[0-9]+"."[0-9]*`): a number's first `.` is part of it, so `1.` is a float, not `1` and
                // a concatenation; `1.5` and `1.e3` stay one number.
                if byte == 0x2E, name > 0, !variable, !numberDot, let first = word.first, first >= 0x30, first <= 0x39 {
                    numberDot = true
                    if word.count < 16 { word.append(byte) }
                    name += 1
                    halt = false
                    continue
                }
                if isNameByte(byte) {
                    if name == 0 {
                        numberDot = false
                        let digit = byte >= 0x30 && byte <= 0x39
                        if awaitVariable || (afterDollar && digit) { return .parseError }  // `$ name`, `$1`
                        variable = afterDollar
                        highByte = false
                        word.removeAll(keepingCapacity: true)
                        started = true
                        code = true
                    }
                    let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                    if byte >= 0x80 { highByte = true }
                    if word.count < 16 { word.append(lowered) }
                    // After `__halt_compiler` PHP reads no further: what follows may be anything.
                    halt = (name == 0 || halt) && name < Self.halt.count && lowered == Self.halt[name]
                    name += 1
                    if halt, name == Self.halt.count { return .code }
                    continue
                }
                let isQuote = byte == 0x27 || byte == 0x22 || byte == 0x60
                // `b"…"` is a binary string: the `b` is no name.
                if isQuote, name == 1, !variable, word == [0x62] {
                    name = 0
                } else if name > 0, !endName() {
                    return .parseError
                }
                if afterDollar { awaitVariable = true }
                if byte == 0x23 {  // `#`: a comment to the end of the line
                    state = .lineComment
                    previous = 0
                    hash = true
                    continue
                }
                if byte == 0x2F { token = .none }  // a division, or a comment
                if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x2F { continue }
                if byte < 0x20 || byte == 0x7F { return .parseError }  // an unexpected character
                if awaitVariable {
                    guard byte == 0x24 || byte == 0x7B else { return .parseError }
                    awaitVariable = false
                }
                if !started {
                    if byte == 0x3F {  // `?>` may follow
                        enderBeforeQuestion = ender
                        continue
                    }
                    // A `}` may close a block an earlier `<?` opened.
                    guard (statements ? Self.statementStarts : Self.expressionStarts).contains(byte) || (byte == 0x7D && !stack.isEmpty)
                    else { return .parseError }
                    started = true
                }
                if byte != 0x3B { code = true }
                if angles == 3 {  // `<<<`: a heredoc if a label line follows (not modelled further), else a parse error
                    state = .heredoc(quote: 0, label: false)
                    continue
                }
                if byte == 0x3F { enderBeforeQuestion = ender }
                // `;`, `:` (`else:`, a label), a block and a postfix `++`/`--` end a statement; an operator does not.
                ender = byte == 0x3B || byte == 0x3A || byte == 0x7B || ((byte == 0x2B || byte == 0x2D) && previousCode == byte)
                previousCode = byte
                if byte == 0x3D || byte == 0x3B || byte == 0x7B || byte == 0x7D { declaration = false }
                switch byte {
                case 0x28, 0x5B, 0x7B:  // `(`, `[`, `{`
                    guard stack.count < 256 else { return .code }
                    // A call: after a name, a string or variable (`'system'('id')`), a bracket (`(f)()`).
                    if byte == 0x28, token != .none { active = true }
                    stack.append(byte)
                    token = .none
                case 0x29, 0x5D, 0x7D:  // `)`, `]`, `}`
                    guard let top = stack.popLast() else { return .parseError }
                    if byte == 0x7D, top == 0x22 || top == 0x60 {  // the string goes on after its interpolation's brace
                        state = .string(top)
                        previous = 0
                        escaped = false
                        continue
                    }
                    guard top == (byte == 0x29 ? 0x28 : byte == 0x5D ? 0x5B : 0x7B) else { return .parseError }
                    token = .close
                    ender = true
                case 0x27, 0x22, 0x60:
                    if token == .operand || token == .name { return .parseError }
                    if byte == 0x60 { active = true }  // a command
                    state = .string(byte)
                    previous = 0
                    escaped = false
                case 0x24:
                    dollar = true
                default:
                    token = .none
                }
            case .lineComment:
                // `#[` opens an attribute in PHP 8 and a comment before: the caller lexes both ways.
                if hash, byte == 0x5B {
                    attributes = true
                    if php8 {
                        state = .code
                        hash = false
                        previous = 0
                        stack.append(byte)
                        token = .none
                        ender = false
                        continue
                    }
                }
                hash = false
                if byte == 0x0A || byte == 0x0D {
                    state = .code
                    previous = 0
                } else if previous == 0x3F, byte == 0x3E {
                    return closed(ends: ender)
                } else {
                    previous = byte
                }
            case .heredoc(let quote, let label):
                // `<<<`, blanks, a label (quoted or not), a line end: PHP reads a heredoc. Anything else is `<<` then
                // `<`, two operators in a row.
                let labelByte = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte >= 0x80
                if !label, quote == 0, byte == 0x20 || byte == 0x09 { continue }
                if !label, quote == 0, byte == 0x27 || byte == 0x22 {
                    state = .heredoc(quote: byte, label: false)
                } else if !label, labelByte {
                    state = .heredoc(quote: quote, label: true)
                } else if label, quote != 1, isNameByte(byte) {
                    continue
                } else if label, quote != 0, byte == quote {
                    state = .heredoc(quote: 1, label: true)
                } else if label, quote == 0 || quote == 1, byte == 0x0A || byte == 0x0D {
                    return .code
                } else {
                    return .parseError
                }
            case .blockComment:
                if previous == 0x2A, byte == 0x2F {
                    state = .code
                    previous = 0
                } else {
                    previous = byte
                }
            case .string(let quote):
                if escaped {  // a backslash hides the byte after it, whatever it is
                    escaped = false
                    previous = 0
                    continue
                }
                if byte == 0x5C {
                    escaped = true
                    previous = 0
                    continue
                }
                if byte == quote {
                    state = .code
                    previous = 0
                    token = .operand
                    ender = true
                    previousCode = byte
                    continue
                }
                // `{$` and `${` in a double-quoted string or a command run code up to the matching brace.
                if quote != 0x27, (previous == 0x7B && byte == 0x24) || (previous == 0x24 && byte == 0x7B) {
                    guard stack.count < 256 else { return .code }
                    stack.append(quote)
                    state = .code
                    active = true
                    previous = byte
                    dollar = byte == 0x24
                    token = .none
                    name = 0
                    angles = 0
                    continue
                }
                previous = byte
            }
        }
        // The end of the file ends the block: fine after code or in a comment, a parse error in a string.
        if case .string = state { return .parseError }
        if case .code = state, name > 0, !endName() { return .parseError }
        if !stack.isEmpty { return .parseError }
        return closed(ends: true)
    }

    /// Bytes other than a name's (PHP names take bytes 0x80-0xFF, a number starts with a digit) an expression can
    /// start with: a variable, a parenthesis or array, a string, a command, a namespace separator, a unary operator,
    /// a number's `.`, a heredoc's `<<<`.
    private static let expressionStarts = Set("$(['\"`\\!-+~@.<".utf8)
    /// A statement starts the same way, or with a block or an empty statement.
    private static let statementStarts = expressionStarts.union("{;".utf8)

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte >= 0x80
    }
}
