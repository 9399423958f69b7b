/// Reasons as the JSON the catalog stores and the API returns: `[{"code":"…","detail":"…"}]`.
public enum ReasonList {
    public static func json(_ reasons: [Reason]) -> String {
        JSONText.array(reasons.map { .object([("code", .string($0.code.rawValue)), ("detail", .string($0.detail))]) }).rendered
    }

    /// Reads what `json(_:)` wrote; `nil` for anything else. A code this airlock does not know (a newer one wrote it)
    /// reads as ``ReasonCode/unrecognized(_:)``.
    public static func parse(_ text: String) -> [Reason]? {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        return parser.reasons()
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func skipSpace() {
            while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
        }

        mutating func expect(_ scalar: Unicode.Scalar) -> Bool {
            skipSpace()
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
            return true
        }

        mutating func string() -> String? {
            guard expect("\"") else { return nil }
            var out = String.UnicodeScalarView()
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                switch scalar {
                case "\"":
                    return String(out)
                case "\\":
                    guard index < scalars.count else { return nil }
                    let escaped = scalars[index]
                    index += 1
                    switch escaped {
                    case "\"", "\\", "/": out.append(escaped)
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "b": out.append("\u{8}")
                    case "f": out.append("\u{c}")
                    case "u":
                        guard let unit = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(unit) {
                            guard expectLiteral("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low),
                                let combined = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                            else { return nil }
                            out.append(combined)
                        } else {
                            guard let decoded = Unicode.Scalar(unit) else { return nil }
                            out.append(decoded)
                        }
                    default: return nil
                    }
                default:
                    out.append(scalar)
                }
            }
            return nil
        }

        mutating func expectLiteral(_ literal: String) -> Bool {
            for scalar in literal.unicodeScalars {
                guard index < scalars.count, scalars[index] == scalar else { return false }
                index += 1
            }
            return true
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= scalars.count else { return nil }
            let text = String(String.UnicodeScalarView(scalars[index..<index + 4]))
            index += 4
            return UInt32(text, radix: 16)
        }

        mutating func reasons() -> [Reason]? {
            guard expect("[") else { return nil }
            var result: [Reason] = []
            if expect("]") { return finish(result) }
            repeat {
                guard expect("{") else { return nil }
                var code: ReasonCode?
                var detail: String?
                repeat {
                    guard let key = string(), expect(":"), let value = string() else { return nil }
                    if key == "code" { code = ReasonCode(stored: value) } else if key == "detail" { detail = value }
                } while expect(",")
                guard expect("}"), let code, let detail else { return nil }
                result.append(Reason(code, detail))
            } while expect(",")
            guard expect("]") else { return nil }
            return finish(result)
        }

        mutating func finish(_ result: [Reason]) -> [Reason]? {
            skipSpace()
            return index == scalars.count ? result : nil
        }
    }
}
