import AirlockCore
import Hummingbird
import Logging
import NIOHTTP1
import Review

/// Gives each request an id (response header `X-Request-Id`, log metadata), renders every error as the API's JSON
/// error (never a stack trace or an internal message), and adds security headers.
///
/// It sets the body limit (`http.maxBodyBytes`) itself, so a 413 names the configured limit. A request with a transfer
/// coding other than exactly `chunked` (e.g. `gzip, chunked`) is refused with 400 `malformed_request`: its body would
/// otherwise be read as if it were not encoded.
struct ErrorAndRequestIDMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: APIContext, next: @concurrent (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.newRequestID()
        context.maxBodyBytes = maxBodyBytes
        context.logger[metadataKey: "request"] = "\(context.requestID)"
        var response: Response
        do {
            let codings = request.headers[values: .transferEncoding].flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
            guard codings.isEmpty || codings == ["chunked"] else {
                throw APIError(.badRequest, "malformed_request", "the only transfer coding accepted is chunked")
            }
            response = try await next(request, context)
        } catch let error as APIError {
            response = Self.render(error, requestID: context.requestID)
            if error.code == "malformed_request" { response.headers[.connection] = "close" }
        } catch let error as ReviewError {
            response = Self.render(APIError(error), requestID: context.requestID)
        } catch let error as any HTTPResponseError {
            // Hummingbird's own (and NIO's too-many-bytes): unknown routes, oversized or undecodable bodies.
            let mapped: APIError =
                switch error.status {
                case .contentTooLarge: APIError(.contentTooLarge, "body_too_large", "the request body is larger than \(context.maxBodyBytes) bytes")
                case .notFound: APIError(.notFound, "not_found", "no such route")
                case .methodNotAllowed: APIError(.methodNotAllowed, "method_not_allowed", "this route does not take that method")
                case .badRequest: APIError(.badRequest, "invalid_request", "the request body is not valid JSON for this route")
                default: APIError(error.status, "http_\(error.status.code)", error.status.reasonPhrase)
                }
            response = Self.render(mapped, requestID: context.requestID)
            if error.status == .contentTooLarge { response.headers[.connection] = "close" }
        } catch is HTTPParserError {
            // The body broke off in a malformed way (an overflowing chunk size, a bad chunk): the client's fault.
            response = Self.render(APIError(.badRequest, "malformed_request", "the request is not valid HTTP/1.1"), requestID: context.requestID)
            response.headers[.connection] = "close"
        } catch is DecodingError {
            response = Self.render(
                APIError(.badRequest, "invalid_request", "the request body is not valid JSON for this route"),
                requestID: context.requestID
            )
        } catch {
            // The whole cause chain goes to the log (Airlock's errors carry no secrets); the client gets a generic 500.
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "errorType": "\(type(of: error))"])
            response = Self.render(.internalError, requestID: context.requestID)
        }
        response.headers[.init("X-Request-Id")!] = context.requestID
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if response.headers[.init("Content-Security-Policy")!] == nil {
            response.headers[.init("Content-Security-Policy")!] = "default-src 'none'; frame-ancestors 'none'"
        }
        return response
    }

    static func render(_ error: APIError, requestID: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter = error.retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: error.body(requestID: requestID))))
    }

    static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let text = String(value, radix: 16)
        return "req_" + String(repeating: "0", count: 16 - text.count) + text
    }
}

/// Resolves `Authorization: Bearer <token>` to a principal (a missing header leaves none; a bad token is 401).
/// Failed attempts are counted per client address: past `http.authFailures` an address gets 429 with Retry-After for
/// any credential until its budget refills. Other addresses, and so other holders of the same key, are not affected.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let authenticator: any Authenticator
    let failures: RateLimiter

    func handle(_ request: Request, context: APIContext, next: @concurrent (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            // A token is taken before the attempt (atomically) and given back when it succeeds: parallel attempts cannot
            // all pass a check made before any of them failed.
            let address = RateLimiter.addressKey(context.clientAddress)
            if let wait = failures.take(address) { throw APIError.authenticationThrottled(retryAfter: wait) }
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty, parts[1].utf8.count <= 8192,
                let principal = try await authenticator.principal(for: String(parts[1]))
            else {
                throw APIError.unauthenticated
            }
            failures.giveBack(address)
            context.principal = principal
            context.logger[metadataKey: "actor"] = "\(principal.actor)"
        }
        return try await next(request, context)
    }
}

extension APIContext {
    /// The caller, or 401.
    func requirePrincipal() throws(APIError) -> Principal {
        guard let principal else { throw APIError.unauthenticated }
        return principal
    }

    /// The caller with one of the roles, or 401/403.
    func require(_ roles: Set<Principal.Role>) throws(APIError) -> Principal {
        let principal = try requirePrincipal()
        guard roles.contains(principal.role) else {
            throw APIError.forbidden("this route needs the \(roles.map(\.rawValue).sorted().joined(separator: " or ")) role")
        }
        return principal
    }
}
