#if canImport(Glibc)
import Glibc
#endif

/// PHP code in the raw bytes of a file that is not text (images, PDFs, archives as stored, any binary): PHP includes
/// a file by reading its bytes, echoes what lies outside its tags and runs what lies inside, wherever an opener sits
/// (scan data, EXIF, a PDF stream, a second image appended).
///
/// Two openers count. A case-insensitive `<?php` followed by whitespace: six specific bytes that random data does not
/// hold. A short echo `<?=` (always on) followed by code PHP would compile: three bytes that compressed data holds
/// about once in 16 MiB, so the bytes after it are lexed the way PHP (7.4 and later) lexes them up to the end of the
/// block (`?>`, the end of the file): whitespace and comments skipped, the first token must start an expression,
/// strings and comments may hold any byte, but a control byte in code (anything below 0x20 but tab, line feed and
/// carriage return, and 0x7F; in a string's `{$…}` too) is a parse error, and a file that does not parse runs
/// nothing. Where the lexer is not modelled (a heredoc, `__halt_compiler`, `#[`: an attribute since PHP 8, a comment
/// before), the code counts as found. A bare `<?` (short_open_tag, off in php.ini-production) is not looked for:
/// binaries hold it every 64 KiB.
///
/// One pass over the bytes with `memchr`; the bytes after a `<?=` are read again only for the lexing, bounded by a
/// budget of the file's size again (a file full of `<?=` passes it and is unscannable).
enum RawCode {
    enum Outcome: Equatable {
        case clean
        /// `<?php` followed by whitespace.
        case openTag
        /// `<?=` followed by code PHP would compile.
        case shortEcho
        /// A read failed: the bytes cannot be called free of code.
        case unreadable
        /// The short-echo checks read more than their budget.
        case overBudget
    }

    static func phpCode(descriptor: Int32, size: Int64) -> Outcome {
        var lexer = ShortEcho(descriptor: descriptor, size: size)
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
    private static func openers(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int64, lexer: inout ShortEcho) -> Outcome {
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
            if third == 0x3D {  // `<?=`
                let outcome = lexer.runsCode(from: offset + Int64(at + 3))
                if outcome != .clean { return outcome }
            } else if third | 0x20 == 0x70 {  // `<?p`
                guard let fourth = byte(3), let fifth = byte(4), let sixth = byte(5) else { return .unreadable }
                if fourth | 0x20 == 0x68, fifth | 0x20 == 0x70, sixth == 0x20 || sixth == 0x09 || sixth == 0x0A || sixth == 0x0D {
                    return .openTag
                }
            }
        }
        return .clean
    }

    /// Lexes what follows a `<?=` the way PHP does, as far as it must to tell whether PHP would compile it.
    struct ShortEcho {
        private var cursor: FileCursor
        private let size: Int64
        /// Bytes the checks may still read: the file's size again, and 1 MiB.
        private var budget: Int64

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

        private enum State { case code, lineComment, blockComment, string(UInt8) }

        private static let halt = Array("__halt_compiler".utf8)

        /// `.shortEcho` when the bytes from `start` to the end of the PHP block are code PHP would compile,
        /// `.clean` when PHP would refuse them.
        mutating func runsCode(from start: Int64) -> Outcome {
            guard cursor.seek(to: start) else { return .unreadable }
            var state = State.code
            var expression = false  // the first token, which must start an expression, was seen
            var previous: UInt8 = 0  // the byte before, in the same state
            var escaped = false  // in a string, after a backslash
            var angles = 0  // `<` in a row (three open a heredoc)
            var name = 0  // bytes of the name being read
            var halt = false  // whether they are the first bytes of `__halt_compiler`
            var hash = false  // at the first byte of a comment `#` opened
            var interpolations: [(quote: UInt8, braces: Int)] = []  // strings whose `{$…}` or `${…}` is being read
            var position = start
            while position < size {
                guard budget > 0 else { return .overBudget }
                guard let byte = cursor.byte() else { return .unreadable }
                position += 1
                budget -= 1
                switch state {
                case .code:
                    if previous == 0x2F, byte == 0x2A || byte == 0x2F {  // `/*`, `//`
                        state = byte == 0x2A ? .blockComment : .lineComment
                        previous = 0
                        continue
                    }
                    if previous == 0x2F, !expression { return .clean }  // an expression does not start with `/`
                    if previous == 0x3F, byte == 0x3E { return expression ? .shortEcho : .clean }  // `?>` ends the block
                    previous = byte
                    angles = byte == 0x3C ? angles + 1 : 0
                    guard Self.isNameByte(byte) else {
                        name = 0
                        if byte == 0x23 {  // `#`: a comment to the end of the line
                            state = .lineComment
                            previous = 0
                            hash = true
                            continue
                        }
                        if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x2F { continue }
                        if byte < 0x20 || byte == 0x7F { return .clean }  // an unexpected character: a parse error
                        if !expression {
                            guard Self.expressionStarts.contains(byte) else { return .clean }
                            expression = true
                        }
                        if angles == 3 { return .shortEcho }  // `<<<`: a heredoc, not modelled
                        if let last = interpolations.indices.last {
                            if byte == 0x7B { interpolations[last].braces += 1 }
                            if byte == 0x7D {  // `}`: the string goes on after its interpolation's brace
                                if interpolations[last].braces == 0 {
                                    state = .string(interpolations.removeLast().quote)
                                    previous = 0
                                    escaped = false
                                    continue
                                }
                                interpolations[last].braces -= 1
                            }
                        }
                        if byte == 0x27 || byte == 0x22 || byte == 0x60 {
                            state = .string(byte)
                            previous = 0
                            escaped = false
                        }
                        continue
                    }
                    expression = true
                    // After `__halt_compiler` PHP reads no further: what follows may be anything.
                    let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                    halt = (name == 0 || halt) && name < Self.halt.count && lowered == Self.halt[name]
                    name += 1
                    if halt, name == Self.halt.count { return .shortEcho }
                case .lineComment:
                    // `#[` opens an attribute in PHP 8 (code) and a comment before: neither lexing is safe to follow.
                    if hash, byte == 0x5B { return .shortEcho }
                    hash = false
                    if byte == 0x0A || byte == 0x0D {
                        state = .code
                        previous = 0
                    } else if previous == 0x3F, byte == 0x3E {
                        return expression ? .shortEcho : .clean
                    } else {
                        previous = byte
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
                        continue
                    }
                    // `{$` and `${` in a double-quoted string or a command run code up to the matching brace.
                    if quote != 0x27, (previous == 0x7B && byte == 0x24) || (previous == 0x24 && byte == 0x7B) {
                        guard interpolations.count < 64 else { return .shortEcho }
                        interpolations.append((quote, 0))
                        state = .code
                        previous = byte
                        name = 0
                        angles = 0
                        continue
                    }
                    previous = byte
                }
            }
            // The end of the file ends the block: fine after code or in a comment, a parse error in a string.
            if case .string = state { return .clean }
            if !interpolations.isEmpty { return .clean }
            return expression ? .shortEcho : .clean
        }

        /// Bytes other than a name's (PHP names take bytes 0x80-0xFF, a number starts with a digit) an expression can
        /// start with: a variable, a parenthesis or array, a string, a command, a namespace separator, a unary operator,
        /// a number's `.`, a heredoc's `<<<`.
        private static let expressionStarts = Set("$(['\"`\\!-+~@.<".utf8)

        private static func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte >= 0x80
        }
    }
}
