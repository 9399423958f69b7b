import AirlockCore
import Testing

struct HexTests {
    @Test func lowercaseHexOfAnySequence() {
        #expect(Hex.lowercase([0x00, 0x0F, 0xA5, 0xFF]) == "000fa5ff")
        #expect(Hex.lowercase((0..<3).lazy.map { UInt8($0 * 0x11) }) == "001122")
        #expect(Hex.lowercase([UInt8]()) == "")
    }
}
