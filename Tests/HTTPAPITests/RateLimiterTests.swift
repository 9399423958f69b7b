import Testing

@testable import HTTPAPI

/// The failed-authentication throttle's table (issue 17, second round, finding F).
struct RateLimiterTests {
    /// A full table no longer forgets everyone at once: an address that used up its budget stays throttled while
    /// a hundred thousand others (an IPv6 attacker's addresses) come and go.
    @Test func aFullTableKeepsThrottledAddresses() {
        let limiter = RateLimiter(rate: 0.001, burst: 2)
        let now = ContinuousClock.now
        #expect(limiter.take("victim", now: now) == nil)
        #expect(limiter.take("victim", now: now) == nil)
        #expect(limiter.take("victim", now: now) != nil)
        for index in 0...RateLimiter.maximumKeys { _ = limiter.take("churn-\(index)", now: now + .milliseconds(1)) }
        #expect(limiter.take("victim", now: now + .milliseconds(2)) != nil)
    }

    @Test func aTokenGivenBackIsThere() {
        let limiter = RateLimiter(rate: 0.001, burst: 1)
        let now = ContinuousClock.now
        #expect(limiter.take("a", now: now) == nil)
        limiter.giveBack("a")
        #expect(limiter.take("a", now: now) == nil)
        #expect(limiter.take("a", now: now) != nil)
    }

    /// IPv6 addresses count by their /64; IPv4 (and IPv4-mapped) addresses as they are.
    @Test func addressesAreCountedByTheirNetwork() {
        #expect(RateLimiter.addressKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(RateLimiter.addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(RateLimiter.addressKey("2001:db8:1:3::1") != RateLimiter.addressKey("2001:db8:1:2::1"))
        #expect(RateLimiter.addressKey("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(RateLimiter.addressKey("192.0.2.7") == "192.0.2.7")
        #expect(RateLimiter.addressKey("unknown") == "unknown")
    }
}
