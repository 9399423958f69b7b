import Testing

@testable import AirlockApp

@Suite struct CatalogSettingsTests {
    @Test func postgresURLsCarryTLSModesLikeLibpq() throws {
        let plain = try CatalogSettings(url: "postgres://airlock:s3cr%40t@db.internal:6432/airlock")
        #expect(plain.location == .postgres(host: "db.internal", port: 6432, username: "airlock", password: "s3cr@t", database: "airlock"))
        #expect(plain.tlsMode == .prefer && plain.rootCertificates == nil)
        let strict = try CatalogSettings(url: "postgres://airlock:pw@db.example.com/airlock?sslmode=verify-full&sslrootcert=/etc/airlock/pg-ca.pem")
        #expect(strict.tlsMode == .verifyFull && strict.rootCertificates == "/etc/airlock/pg-ca.pem")
        #expect(strict.redacted == "postgres://airlock:***@db.example.com:5432/airlock?sslmode=verify-full")
        for mode in CatalogSettings.TLSMode.allCases {
            #expect(try CatalogSettings(url: "postgres://u:p@h/d?sslmode=\(mode.rawValue)").tlsMode == mode)
        }
        #expect(try CatalogSettings(url: "postgres://u:p@h/d?sslmode=disable").tlsMode == .disable)
    }

    @Test func badParametersAreNamedWithoutTheURL() {
        for url in [
            "postgres://u:hunter2@h/d?sslmode=always", "postgres://u:hunter2@h/d?sslrootcert=", "postgres://u:hunter2@h/d?application_name=x",
        ] {
            do {
                _ = try CatalogSettings(url: url)
                Issue.record("\(url) was accepted")
            } catch {
                #expect(error.message.hasPrefix("catalog.url"), "\(error.message)")
                #expect(!error.message.contains("hunter2"))
            }
        }
    }

    @Test func anUnreadableRootCertificateIsAConfigurationError() throws {
        let settings = try CatalogSettings(url: "postgres://u:p@h/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
        #expect(throws: AirlockError.self) { _ = try CatalogRuntime.tls(settings) }
    }
}
