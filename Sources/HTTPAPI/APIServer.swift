public import AirlockCore
public import Hummingbird
public import Logging

/// The HTTP API (DESIGN.md section 7) as a Hummingbird application.
public enum APIServer {
    public static func router(environment: APIEnvironment, authenticator: any Authenticator, maxBodyBytes: Int, quarantineDownloadSeconds: Int = 120) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: ErrorAndRequestIDMiddleware())
        router.add(middleware: AuthenticationMiddleware(authenticator: authenticator, maxBodyBytes: maxBodyBytes))
        router.get("/health") { _, _ in Response.json(.ok, .object([("status", .string("ok"))])) }
        UploadRoutes(environment: environment).register(on: router)
        ReviewRoutes(environment: environment, quarantineDownloadSeconds: quarantineDownloadSeconds).register(on: router)
        return router
    }

    public static func application(
        environment: APIEnvironment, authenticator: any Authenticator, host: String, port: Int, maxBodyBytes: Int, quarantineDownloadSeconds: Int,
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(environment: environment, authenticator: authenticator, maxBodyBytes: maxBodyBytes, quarantineDownloadSeconds: quarantineDownloadSeconds),
            configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: logger
        )
    }
}
