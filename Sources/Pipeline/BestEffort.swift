public import Logging

extension Logger {
    /// Runs `body` and returns its result; a failure is logged (warning, with the whole cause) and gives nil.
    ///
    /// For steps whose failure something else recovers (an expiring lease, the next pass, the next scrape) but that
    /// must never fail silently, as a bare `try?` would.
    public func bestEffort<Result>(
        _ what: @autoclosure () -> String,
        metadata: @autoclosure () -> Logger.Metadata = [:],
        _ body: () async throws -> Result
    ) async -> Result? {
        do {
            return try await body()
        } catch {
            var details = metadata()
            details["error"] = "\(String(reflecting: error))"
            warning("\(what()) failed", metadata: details)
            return nil
        }
    }
}
