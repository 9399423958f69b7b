import AirlockCore
import Testing

/// The shared error model: a stable code, a safe message, and the cause kept as a value.
struct AirlockFailureTests {
    struct DriverError: Error, CustomStringConvertible, CustomDebugStringConvertible {
        var description: String { "driver failed" }
        var debugDescription: String { "driver failed: SQLITE_BUSY (5) on statement 12" }
    }

    @Test func theCauseIsKeptAndShownOnlyInTheDebugDescription() throws {
        let error = CatalogError(.unavailable, "the catalog cannot be reached", cause: DriverError())
        #expect(error.codeName == "unavailable")
        #expect(error.message == "the catalog cannot be reached")
        #expect(error.cause is DriverError)
        #expect(error.debugDescription == "unavailable: the catalog cannot be reached <- driver failed: SQLITE_BUSY (5) on statement 12")
        #expect(error.messageWithCause == "the catalog cannot be reached: driver failed")
        // Chains read through every level.
        let outer = StoreFailure(.transient, "placing the object failed", cause: error)
        #expect(outer.description == "transient: placing the object failed")
        #expect(outer.debugDescription.hasSuffix("<- unavailable: the catalog cannot be reached <- driver failed: SQLITE_BUSY (5) on statement 12"))
        let failure: any AirlockFailure = outer
        #expect((failure.cause as? CatalogError)?.code == .unavailable)
    }

    @Test func withoutACauseNothingIsAppended() {
        let error = StoreFailure(.notFound, "no such object")
        #expect(error.cause == nil)
        #expect(error.debugDescription == "notFound: no such object")
        #expect(error.messageWithCause == "no such object")
    }
}
