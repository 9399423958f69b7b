import Logging
import Testing

@testable import AirlockApp

@Suite struct LineLogHandlerTests {
    @Test func rendersSortedMetadataQuotedWhenNeededOnOneLine() {
        var handler = LineLogHandler(label: "airlock")
        handler[metadataKey: "request"] = "req_00ff"
        handler[metadataKey: "actor"] = "key:app one"
        handler[metadataKey: "request"] = "req_0100"  // replaced, not appended
        let event = LogEvent(
            level: .error,
            message: "recording failed\nsecond line",
            metadata: ["detail": "a \"quoted\" =value", "empty": ""],
            source: nil,
            file: #fileID,
            function: #function,
            line: #line
        )
        let line = handler.render(event, at: 0)
        #expect(
            line
                == #"1970-01-01T00:00:00Z error airlock: actor="key:app one" detail="a \"quoted\" =value" empty="" request=req_0100 recording failed\nsecond line"#
                + "\n"
        )
        #expect(handler[metadataKey: "actor"] == "key:app one")
    }
}
