import AirlockCore
import AirlockTesting
import Foundation
import Inspection
import Testing

/// Inspector processes for tests: the `airlock` binary this build made, in the inspector role, over a scratch base of
/// the test's own (checked empty once the pool is shut down).
enum SandboxHarness {
    static let binary = Repository.path(".build/debug/airlock")

    static func engine(_ engine: InspectorTests.Engine = .libclamav) throws -> SandboxedInspector.Engine {
        switch engine {
        case .libclamav: return .libclamav(database: Repository.path("fixtures/clamav"), limits: ScanLimits())
        case .clamdUnix, .clamdTCP:
            guard let clamd = try engine.scanner() as? ClamdScanner else { throw TestProcess.Failure(description: "not clamd") }
            return .clamd(clamd)
        }
    }

    static func configuration(
        engine: SandboxedInspector.Engine,
        size: Int = 2,
        base: String,
        recycleAfter: Int = 500,
        grace: Duration = .seconds(5),
        limits: InspectorLimits = InspectorLimits()
    ) -> SandboxedInspector.Configuration {
        SandboxedInspector.Configuration(
            engine: engine,
            size: size,
            temporaryDirectory: base,
            limits: limits,
            executable: binary,
            recycleAfter: recycleAfter,
            grace: grace,
            startTimeout: .seconds(60)
        )
    }

    /// Starts a pool, runs `body` with it and the scratch base, shuts it down and checks that nothing is left: no
    /// scratch directory, no inspector process.
    static func with(
        engine: SandboxedInspector.Engine? = nil,
        size: Int = 2,
        recycleAfter: Int = 500,
        grace: Duration = .seconds(5),
        limits: InspectorLimits = InspectorLimits(),
        parentMode: Int = 0o700,
        _ body: (SandboxedInspector, String) async throws -> Void
    ) async throws {
        // Under a directory only its owner may search (a 0700 scanner.tempDir): an inspector that dropped to another
        // user still works in its scratch directory below it.
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-sandbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: parentMode])
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let base = parent + "/scratch"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let pool = SandboxedInspector(
            configuration: configuration(
                engine: try engine ?? Self.engine(),
                size: size,
                base: base,
                recycleAfter: recycleAfter,
                grace: grace,
                limits: limits
            )
        )
        try await pool.start()
        var pids = pool.idlePIDs
        do {
            try await body(pool, base)
        } catch {
            pool.shutdown()
            throw error
        }
        pids += pool.idlePIDs
        pool.shutdown()
        #expect(try FileManager.default.contentsOfDirectory(atPath: base).isEmpty, "scratch directories left in \(base)")
        for pid in pids {
            // Reaped: not even a zombie is left.
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "inspector \(pid) is still there")
        }
    }
}
