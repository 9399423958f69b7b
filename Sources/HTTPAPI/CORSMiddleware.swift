import Hummingbird

/// CORS for the configured origins only (`http.corsOrigins`): other origins get no CORS headers, so browsers refuse
/// them; preflights from allowed origins are answered here.
struct AllowedOriginsMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let origins: Set<String>

    func handle(_ request: Request, context: APIContext, next: @concurrent (Request, APIContext) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin, .vary: "Origin", .accessControlAllowMethods: "GET, POST, DELETE",
                    .accessControlAllowHeaders: "Authorization, Content-Type, Idempotency-Key", .accessControlMaxAge: "600",
                ]
            )
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        response.headers[.accessControlExposeHeaders] = "X-Request-Id, Retry-After"
        return response
    }
}
