import Testing

@testable import Pipeline

/// The worker's backoff between attempts (pure arithmetic, no store).
@Suite struct RetryDelayTests {
    @Test func aZeroBaseRetriesAtOnce() {
        for attempt in 1...5 {
            #expect(Worker.retryDelay(attempt: attempt, baseMillis: 0, maxMillis: 0) == 0)
            #expect(Worker.retryDelay(attempt: attempt, baseMillis: 0, maxMillis: 60_000) == 0)
        }
    }

    @Test func delaysDoubleWithJitterAndStopAtTheCap() {
        for _ in 0..<200 {
            #expect((500...1_000).contains(Worker.retryDelay(attempt: 1, baseMillis: 1_000, maxMillis: 600_000)))
            #expect((2_000...4_000).contains(Worker.retryDelay(attempt: 3, baseMillis: 1_000, maxMillis: 600_000)))
            #expect((5_000...10_000).contains(Worker.retryDelay(attempt: 40, baseMillis: 1_000, maxMillis: 10_000)))
        }
    }
}
