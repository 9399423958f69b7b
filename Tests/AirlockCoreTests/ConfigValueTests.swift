import AirlockCore
import Testing

struct ByteSizeTests {
    @Test(arguments: [
        ("10240", Int64(10240)), ("512KiB", 524_288), ("50MiB", 52_428_800), ("5GiB", 5_368_709_120), ("1TiB", 1_099_511_627_776),
        ("10MB", 10_000_000), (" 7 KiB ", 7168), ("0", 0), ("3B", 3),
    ])
    func parses(_ text: String, _ bytes: Int64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test(arguments: ["", "MiB", "-5MiB", "5.5MiB", "5 XB", "99999999999TiB", "ten"])
    func refuses(_ text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }

    @Test func printsTheLargestExactUnit() {
        #expect(ByteSize(bytes: 10240).description == "10KiB")
        #expect(ByteSize.gibibytes(5).description == "5GiB")
        #expect(ByteSize(bytes: 1000).description == "1000")
        #expect(ByteSize(parsing: ByteSize.mebibytes(50).description) == .mebibytes(50))
    }
}

struct ConfigDurationTests {
    @Test(arguments: [
        ("15m", Int64(900_000)), ("8h", 28_800_000), ("7d", 604_800_000), ("90s", 90_000), ("500ms", 500), ("1h30m", 5_400_000), ("0s", 0),
    ])
    func parses(_ text: String, _ milliseconds: Int64) {
        #expect(ConfigDuration(parsing: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "15", "m", "-5m", "5w", "1.5h", "99999999999999999d"])
    func refuses(_ text: String) {
        #expect(ConfigDuration(parsing: text) == nil)
    }

    @Test func printsTheLargestExactUnit() {
        #expect(ConfigDuration.minutes(15).description == "15m")
        #expect(ConfigDuration.days(7).description == "7d")
        #expect(ConfigDuration(milliseconds: 1500).description == "1500ms")
        #expect(ConfigDuration.seconds(90).duration == .seconds(90))
    }
}

struct StoreBackendTests {
    @Test func r2HasNoPostPoliciesAndSignsForAuto() {
        #expect(StoreBackend.r2.supportsPostPolicy == false)
        #expect(StoreBackend.r2.defaultRegion == "auto")
        for backend in StoreBackend.allCases where backend != .r2 {
            #expect(backend.supportsPostPolicy)
            #expect(backend.defaultRegion == "us-east-1")
        }
    }
}
