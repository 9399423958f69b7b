import Hummingbird
import Review
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A token bucket per principal: `burst` requests at once, refilled at `perSecond`. Over the limit: 429 with
/// Retry-After.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let perSecond: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(perSecond: Int, burst: Int) {
        self.perSecond = Double(max(1, perSecond))
        self.burst = Double(max(1, burst))
    }

    /// - Parameters:
    ///   - perSecond: Refill rate; may be below one (failed sign-ins: a few a minute).
    ///   - burst: Tokens a key starts with.
    init(rate perSecond: Double, burst: Int) {
        self.perSecond = max(0.001, perSecond)
        self.burst = Double(max(1, burst))
    }

    /// The seconds `key` must wait before it has a token again, without taking one; `nil` when it has one.
    func wait(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            guard var bucket = buckets[key] else { return nil }
            refill(&bucket, now: now)
            return bucket.tokens >= 1 ? nil : max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }

    private func refill(_ bucket: inout Bucket, now: ContinuousClock.Instant) {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
        bucket.updated = now
    }

    /// How many keys are tracked at most (memory stays bounded under key churn).
    static let maximumKeys = 100_000

    /// Takes a token for `key`; the seconds to wait when there is none.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            if buckets[key] == nil, buckets.count >= Self.maximumKeys { evict(&buckets, now: now) }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            refill(&bucket, now: now)
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }

    /// Returns the token `take` took (the attempt it was taken for succeeded).
    func giveBack(_ key: String) {
        buckets.withLock { buckets in
            guard var bucket = buckets[key] else { return }
            bucket.tokens = min(burst, bucket.tokens + 1)
            buckets[key] = bucket
        }
    }

    /// Makes room for new keys without wiping the table: first the keys whose bucket has refilled (the same as not
    /// tracked), then, until a tenth is free, those with the most tokens left (the least throttled; the least recently
    /// used among equals). An address that used up its budget is the last to be forgotten.
    private func evict(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        for (key, var bucket) in buckets {
            refill(&bucket, now: now)
            if bucket.tokens >= burst { buckets.removeValue(forKey: key) } else { buckets[key] = bucket }
        }
        let target = Self.maximumKeys - Self.maximumKeys / 10
        guard buckets.count > target else { return }
        let order = buckets.sorted { $0.value.tokens != $1.value.tokens ? $0.value.tokens > $1.value.tokens : $0.value.updated < $1.value.updated }
        for (key, _) in order.prefix(buckets.count - target) { buckets.removeValue(forKey: key) }
    }

    /// The key failed authentication is counted under for a client address: an IPv6 address by its /64 (one host
    /// usually has a whole /64 to pick addresses from), an IPv4 address as it is.
    static func addressKey(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        // An IPv4-mapped address is its IPv4 address.
        if bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { return bytes[12..<16].map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
            + "::/64"
    }
}

struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: APIContext, next: @concurrent (Request, APIContext) async throws -> Response) async throws -> Response {
        if let principal = context.principal, let wait = limiter.take(principal.actor) {
            throw APIError(.tooManyRequests, "rate_limited", "too many requests; retry after \(wait) s", retryAfter: wait)
        }
        return try await next(request, context)
    }
}
