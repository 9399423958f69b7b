import AirlockCore
import Configuration
import Foundation
import Inspection
import Logging
import Testing

@testable import AirlockApp

/// `worker.inspector.uidBase` / `uidCount` (docs/isolation.md, "Users"): the default range, one shared user with a
/// count of 0, and ranges that cannot work refused with the key named.
struct InspectorUserSettingsTests {
    func worker(_ yaml: String) throws -> WorkerSettings {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try WorkerSettings(reader: try ConfigLoader.load(path: path, environment: [:]).scoped(to: "worker"))
    }

    @Test func theDefaultIsARangeAndACountOfZeroRestoresTheSharedUser() throws {
        let defaults = try worker("worker: {concurrency: 4}").inspectorLimits
        #expect(defaults.uidBase == 2_100_000_000 && defaults.uidCount == 4096)
        #expect(defaults.uid == 65534 && defaults.gid == 65534)
        let shared = try worker("worker: {inspector: {uidCount: 0, uid: 12345, gid: 12346}}").inspectorLimits
        #expect(shared.uidCount == 0 && shared.uid == 12345 && shared.gid == 12346)
    }

    @Test func rangesThatCannotWorkAreRefused() {
        #expect { try worker("worker: {inspector: {uidBase: 65000, uidCount: 1000}}") } throws: { "\($0)".contains("65534") }
        #expect { try worker("worker: {inspector: {uidBase: 4294967000, uidCount: 1000}}") } throws: { "\($0)".contains("uidCount") }
    }

    @Test func aRangeSmallerThanTwiceTheInspectorsIsRefused() async {
        await #expect {
            _ = try await InspectionAssembly.make(
                isolation: .process,
                engine: .libclamav(database: "/nonexistent", limits: ScanLimits()),
                size: 4,
                temporaryDirectory: "/nonexistent",
                recycleAfter: 500,
                limits: InspectorLimits(uidCount: 7),
                logger: Logger(label: "test"),
                profiles: [],
                inProcess: { () throws(AirlockError) -> Inspector in throw AirlockError(.invalidConfig, "not used") }
            )
        } throws: { error in
            "\(error)".contains("worker.inspector.uidCount (7)")
        }
    }
}
