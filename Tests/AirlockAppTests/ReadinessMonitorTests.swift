import Foundation
import Synchronization
import Testing

@testable import AirlockApp

/// `/ready`'s probes: each has its own timeout, so a hung one (async or blocking) fails alone and late, and holds up
/// neither the other probes nor the round.
struct ReadinessMonitorTests {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func next() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    @Test func aHungProbeTimesOutAloneAndIsNotStartedAgainWhileItHangs() async throws {
        let asyncGate = OneShot<Void>()
        let blockingGate = DispatchSemaphore(value: 0)
        let hungAsyncRuns = Counter()
        let hungBlockingRuns = Counter()
        let monitor = ReadinessMonitor(
            probes: [
                .async("catalog") { ("catalog", true, "reachable") },
                .async("store") {
                    hungAsyncRuns.next()
                    await asyncGate.value()  // ignores cancellation: hangs until the test lets it go
                    return ("store", true, "reachable")
                },
                .blocking("scanner") {
                    hungBlockingRuns.next()
                    if hungBlockingRuns.count == 1 { blockingGate.wait() }  // only the first run hangs
                    return ("scanner", true, "answered")
                },
                .blocking("signatures") { ("signatures", true, "fresh") },
            ],
            probeTimeout: .milliseconds(300)
        )
        defer {
            asyncGate.deliver(())
            blockingGate.signal()
        }

        for round in 1...2 {
            // The hung probes never return by themselves: a round that waited for them would never end. (No tighter
            // bound on its time: the test machine may be loaded.)
            #expect(await Self.finishes(within: .seconds(120)) { await monitor.refresh() }, "round \(round) waited for the hung probes")
            let checks = monitor.snapshot
            #expect(checks.map(\.name) == ["catalog", "store", "scanner", "signatures"])
            #expect(checks.map(\.ready) == [true, false, false, true], "round \(round): \(checks)")
            #expect(checks[1].detail == "timed out after 0.3 s")
            #expect(checks[2].detail == "timed out after 0.3 s")
        }
        // Still hanging: not started a second time.
        #expect(hungAsyncRuns.count == 1)
        #expect(hungBlockingRuns.count == 1)

        // Once they return, the next round runs them again.
        asyncGate.deliver(())
        blockingGate.signal()
        var checks = monitor.snapshot
        for _ in 0..<50 where checks.contains(where: { !$0.ready }) {
            try await Task.sleep(for: .milliseconds(50))
            await monitor.refresh()
            checks = monitor.snapshot
        }
        #expect(checks.allSatisfy { $0.ready }, "\(checks)")
        #expect(hungAsyncRuns.count >= 2 && hungBlockingRuns.count >= 2)
    }

    /// Whether `body` returns within `limit`; it is not awaited past that.
    static func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        let finished = OneShot<Bool>()
        Task {
            await body()
            finished.deliver(true)
        }
        let timer = Task {
            try await Task.sleep(for: limit)
            finished.deliver(false)
        }
        defer { timer.cancel() }
        return await finished.value()
    }

    @Test func stoppingDoesNotWaitForAHungBlockingProbe() async throws {
        let gate = DispatchSemaphore(value: 0)
        defer { gate.signal() }
        let monitor = ReadinessMonitor(
            probes: [
                .blocking("scanner") {
                    gate.wait(); return ("scanner", true, "answered")
                }
            ],
            interval: .milliseconds(50),
            probeTimeout: .milliseconds(200)
        )
        let service = Task { try await monitor.run() }
        // A round has ended (the probe read as timed out) while its thread still hangs. Waited for without a short
        // deadline: with the whole suite running in parallel the cooperative pool can be busy for a minute (CI saw
        // the first round still unfinished after 60 s), and only the round's result is under test here.
        var checks = monitor.snapshot
        for _ in 0..<6000 where checks.first?.detail == "not checked yet" {
            try await Task.sleep(for: .milliseconds(100))
            checks = monitor.snapshot
        }
        #expect(checks.first?.detail == "timed out after 0.2 s", "\(checks)")
        service.cancel()
        // Joining the hung thread would hold the service, and a cooperative thread, until the probe returned.
        #expect(await Self.finishes(within: .seconds(60)) { _ = try? await service.value }, "run() waited for the hung probe")
    }

    @Test func timeoutsReadAsShortSeconds() {
        #expect(ReadinessMonitor.seconds(.seconds(3)) == "3")
        #expect(ReadinessMonitor.seconds(.milliseconds(300)) == "0.3")
        #expect(ReadinessMonitor.seconds(.milliseconds(2500)) == "2.5")
    }
}
