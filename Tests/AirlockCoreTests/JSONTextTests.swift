import AirlockCore
import Foundation
import Testing

@Suite struct JSONTextTests {
    @Test func escapesWhatJSONAndJavaScriptNeed() {
        let text = JSONText.object([
            ("a\"b", .string("q\"b\\s\n\r\t\u{0}\u{1F}\u{7F}x\u{2028}y\u{2029}é😀")), ("n", .int(-42)), ("t", .bool(true)), ("z", .null),
        ])
        #expect(text.rendered == #"{"a\"b":"q\"b\\s\n\r\t\u0000\u001f\u007fx\u2028y\u2029é😀","n":-42,"t":true,"z":null}"#)
        #expect(JSONText.array([]).rendered == "[]")
        #expect(JSONText.string("").rendered == #""""#)
        #expect(Array(text.rendered.utf8) == text.utf8)
    }

    /// Random strings over the characters that need care parse back (Foundation's parser) to the same string, and
    /// the output never holds a raw control byte or a raw U+2028/U+2029.
    @Test func randomStringsRoundTrip() throws {
        let alphabet: [Character] = [
            "a", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}", "\u{2027}", "é", "😀", "€", "/",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = String((0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let bytes = JSONText.array([.string(value)]).utf8
            #expect(!bytes.contains { $0 < 0x20 || $0 == 0x7F })
            #expect(!String(decoding: bytes, as: UTF8.self).unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{2029}" })
            let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String]
            #expect(parsed == [value])
        }
    }
}
