import AirlockApp
import AirlockCore
import AirlockTesting
import Foundation
import Testing

/// `airlock keys` end to end on a SQLite catalog.
struct KeysCommandTests {
    struct Created: Decodable {
        var id: String
        var name: String
        var role: String
        var owner: String
        var key: String
    }

    @Test func keysAreShownOnceStoredHashedListedAndRevoked() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/airlock.yaml"
        try """
        catalog: {url: "sqlite://\(directory)/catalog.sqlite"}
        profiles:
          documents: {maxSize: 1MiB, allow: [{extensions: [pdf], types: [application/pdf]}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let binary = Repository.path(".build/debug/airlock")
        func airlock(_ arguments: [String]) async throws -> TestProcess.Output {
            try await TestProcess.run([binary] + arguments + ["--config", config])
        }

        let made = try await airlock(["keys", "create", "--role", "uploader", "--name", "mobile-app", "--profiles", "documents", "--expires", "90d"])
        #expect(made.status == 0, "\(made.stderrText)")
        let created = try JSONDecoder().decode(Created.self, from: made.stdout)
        #expect(
            made.stdoutText.hasPrefix(#"{"id":""#)
                && made.stdoutText.contains(#","name":"mobile-app","role":"uploader","owner":"key:mobile-app","key":"alk_"#)
        )
        #expect(created.key.count == 47)
        let service = try await airlock(["keys", "create", "--role", "uploader", "--name", "backend", "--service", "--owner", "team:payments"])
        #expect(service.status == 0)
        #expect(
            try await airlock(["keys", "create", "--role", "uploader", "--name", "mobile-app"]).stderrText
                == "airlock: a key named 'mobile-app' already exists\n"
        )
        #expect(try await airlock(["keys", "create", "--role", "root", "--name", "x"]).status == 2)
        #expect(
            try await airlock(["keys", "create", "--role", "uploader", "--name", "x", "--profiles", "images"]).stderrText.contains(
                "no profile 'images'"
            )
        )

        let listed = try await airlock(["keys", "list"])
        #expect(listed.status == 0)
        let lines = listed.stdoutText.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(!listed.stdoutText.contains(created.key))  // never shown again
        #expect(lines[0].contains(#""profiles":["documents"]"#) && lines[0].contains(#""revokedAt":null"#))
        #expect(lines[1].contains(#""owner":"team:payments","service":true"#))
        // Stored as its SHA-256, nothing else.
        let database = try Data(contentsOf: URL(fileURLWithPath: directory + "/catalog.sqlite"))
        #expect(database.range(of: Data(created.key.utf8)) == nil)

        #expect(try await airlock(["keys", "revoke", created.id]).stdoutText == "{\"revoked\":\"\(created.id)\"}\n")
        #expect(try await airlock(["keys", "revoke", created.id]).status == 2)
        #expect(try await airlock(["keys", "list"]).stdoutText.split(separator: "\n")[0].contains(#""revokedAt":"20"#))

        // Both are in the audit log, by the operator, without the secret.
        let audit = try await airlock(["audit", "export"]).stdoutText
        let auditLines = audit.split(separator: "\n")
        let creations = auditLines.filter { $0.contains(#""action":"key.create""#) }
        #expect(creations.count == 2 && creations.allSatisfy { $0.contains(#""actor":"operator:"#) }, "\(audit)")
        #expect(creations.first?.contains(#"\"name\":\"mobile-app\",\"role\":\"uploader\",\"owner\":\"key:mobile-app\""#) == true, "\(audit)")
        #expect(auditLines.contains { $0.contains(#""action":"key.revoke""#) && $0.contains(created.id) })
        #expect(!audit.contains(created.key))
    }
}
