import AirlockCore
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import Review

/// The HTTP API (docs/api.md) as a Hummingbird application.
public enum APIServer {
    public static func router(
        environment: APIEnvironment,
        authenticator: any Authenticator,
        maxBodyBytes: Int,
        quarantineDownloadSeconds: Int = 120
    ) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        // CORS outermost: error responses carry its headers too.
        if !environment.corsOrigins.isEmpty { router.add(middleware: AllowedOriginsMiddleware(origins: Set(environment.corsOrigins))) }
        router.add(middleware: ErrorAndRequestIDMiddleware(maxBodyBytes: maxBodyBytes))
        let authFailures = RateLimiter(rate: Double(environment.authFailureLimit.perMinute) / 60, burst: environment.authFailureLimit.burst)
        router.add(middleware: AuthenticationMiddleware(authenticator: authenticator, failures: authFailures))
        router.add(
            middleware: RateLimitMiddleware(limiter: RateLimiter(perSecond: environment.rateLimit.perSecond, burst: environment.rateLimit.burst))
        )
        router.get("/health") { _, _ in Response.json(.ok, .object([("status", .string("ok"))])) }
        router.get("/ready") { _, _ in
            let checks = await environment.readiness()
            let ready = checks.allSatisfy(\.ready)
            return Response.json(
                ready ? .ok : .serviceUnavailable,
                .object([
                    ("status", .string(ready ? "ready" : "not_ready")),
                    ("checks", .object(checks.map { ($0.name, .object([("ready", .bool($0.ready)), ("detail", .string($0.detail))])) })),
                ])
            )
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: await environment.metrics()))
            )
        }
        UploadRoutes(environment: environment).register(on: router)
        ReviewRoutes(environment: environment, quarantineDownloadSeconds: quarantineDownloadSeconds).register(on: router)
        ReviewPage(
            environment: environment,
            authenticator: authenticator,
            authFailures: authFailures,
            actions: ReviewActions(environment: environment.review, quarantineDownloadSeconds: quarantineDownloadSeconds)
        ).register(on: router)
        return router
    }

    /// The server: HTTP/1.1 with a timeout for each part of a request and a bound on connections per client address.
    public static func application(
        environment: APIEnvironment,
        authenticator: any Authenticator,
        host: String,
        port: Int,
        maxBodyBytes: Int,
        quarantineDownloadSeconds: Int,
        limits: ConnectionLimits = ConnectionLimits(),
        logger: Logger
    ) -> some ApplicationProtocol {
        let counter = ConnectionCounter(limit: limits.maxConnectionsPerClient)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(counter: counter, limits: limits)],
            idleTimeout: ConnectionGuard.timeAmount(limits.idleTimeout)
        )
        return Application(
            router: router(
                environment: environment,
                authenticator: authenticator,
                maxBodyBytes: maxBodyBytes,
                quarantineDownloadSeconds: quarantineDownloadSeconds
            ),
            server: .http1(configuration: http1),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: logger
        )
    }
}
