import AirlockCore
import Testing

@Suite struct TrimmingTests {
    @Test(arguments: [
        ("  a b  ", false, "a b"), ("\ta\t", false, "a"), ("   ", false, ""), ("", false, ""), ("\na\n", false, "\na\n"),
        ("\r\n a \r\n", true, "a"), ("\r\n\r\n", true, ""), ("\u{2028}x\u{85}", true, "x"), ("é ", false, "é"), (" 😀\t", false, "😀"),
    ])
    func trimsSpacesAndOptionallyLineBreaks(input: String, newlines: Bool, expected: String) {
        #expect(input.trimmingSpaces(newlines: newlines) == expected)
        #expect(input[...].trimmingSpaces(newlines: newlines) == expected)
    }
}
