import Hummingbird
import Synchronization

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

    /// Takes a token for `key`; the seconds to wait when there is none.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            refill(&bucket, now: now)
            if buckets.count > 100_000 { buckets.removeAll(keepingCapacity: true) }  // bounded memory under key churn
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
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
