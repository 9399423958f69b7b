import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// What the worker takes from an inspector and from any inspection (docs/isolation.md, "Wire format", "One validator",
/// "Without Landlock"), with a fake inspector process (`/bin/sh` writing prepared frames on the channel) standing in
/// for an exploited one.
@Suite(.serialized)
struct InspectorIsolationProtocolTests {
    static let profile = UploadProfile(
        name: "protocol",
        maxSize: 1 << 20,
        allow: [.init(extensions: ["txt"], types: ["text/plain"])],
        inspectionTimeLimit: .seconds(10)
    )

    static func layers(landlockABI: Int = 7, droppedUser: Bool = false, ownUser: Bool = false) -> SandboxLayers {
        SandboxLayers(
            noNewPrivileges: true,
            seccomp: true,
            landlockABI: landlockABI,
            landlockNetwork: landlockABI > 0,
            landlockScoped: landlockABI > 0,
            droppedUser: droppedUser,
            ownUser: ownUser,
            capabilitiesCleared: true,
            rlimits: true,
            cleanEnvironment: true
        )
    }

    /// A frame as an inspector writes it: length, then `body`.
    static func framed(_ body: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { Array($0) } + body
    }

    /// Reads the setup frame from descriptor 3, then the first bytes of the next one (the first order).
    static let awaitOrder = """
        import os, struct
        def read(n):
            data = b""
            while len(data) < n:
                chunk = os.read(3, n - len(data))
                if not chunk: raise SystemExit
                data += chunk
            return data
        read(struct.unpack("<I", read(4))[0]); read(4)
        """

    /// A pool of one fake inspector that answers its setup with `ready` (these layers), then writes `after` and waits.
    static func withFake(
        layers: SandboxLayers,
        after: [UInt8] = [],
        limits: InspectorLimits = InspectorLimits(uidCount: 0),
        unsafeWithoutLandlock: Bool = false,
        then: String = "exec sleep 60",
        _ body: (SandboxedInspector, String) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-fake-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/scratch", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ready = try InspectorChannel.frame(.ready(InspectorReady(layers: layers, engine: "fake", error: nil)))
        try Data(ready).write(to: URL(fileURLWithPath: directory + "/ready"))
        try Data(after).write(to: URL(fileURLWithPath: directory + "/after"))
        let pool = SandboxedInspector(
            configuration: .init(
                engine: .libclamav(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
                size: 1,
                temporaryDirectory: directory + "/scratch",
                limits: limits,
                executable: "/bin/sh",
                // Ready, then (past the setup frame) the rest once the first order arrives: an honest inspector writes
                // nothing while idle.
                arguments: ["-c", "cat '\(directory)/ready' >&3; python3 -c '\(Self.awaitOrder)'; cat '\(directory)/after' >&3; \(then)"],
                grace: .seconds(1),
                startTimeout: .seconds(20),
                unsafeWithoutLandlock: unsafeWithoutLandlock
            )
        )
        defer { pool.shutdown() }
        let file = directory + "/note.txt"
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: file))
        try await body(pool, file)
    }

    /// A verdict in a `J` frame (Codable, which read anything: control characters, unknown codes, 2000 reasons) ends
    /// the inspector as `scan_failed`; none of it reaches the result.
    @Test(arguments: [
        Verdict(reasons: [], detectedType: "text/plain\r\nx-amz-acl: public-read-write\r\nx: \u{1B}[31m", sha256: nil, size: 6),
        Verdict(reasons: [Reason(.init(stored: "no_such_code"), "x")], detectedType: "text/plain", sha256: nil, size: 6),
        Verdict(reasons: Array(repeating: Reason(.typeMismatch, "x"), count: 2000), detectedType: "text/plain", sha256: nil, size: 6),
        Verdict(reasons: [], detectedType: "text/plain", sha256: nil, size: 6),
    ])
    func aVerdictInAJFrameEndsTheInspectorAsScanFailed(_ claimed: Verdict) async throws {
        let frame = Self.framed(Array("J".utf8) + Array(try JSONEncoder().encode(InspectorMessage.verdict(claimed))))
        try await Self.withFake(layers: Self.layers(), after: frame) { pool, file in
            try await pool.start()
            let verdict = await pool.inspect(InspectionRequest(path: file, filename: "note.txt", profile: Self.profile))
            #expect(verdict.outcome == .failed && verdict.reasons.map(\.code) == [.scanFailed], "\(verdict)")
            #expect(verdict.detectedType == nil)
            #expect(pool.counts.killed == 1)
        }
    }

    /// Any other `J` message in place of a verdict (an order, a setup, a clamd answer) also ends it.
    @Test func aMessageAnInspectorNeverSendsEndsTheInspectorAsScanFailed() async throws {
        let order = InspectionOrder(InspectionRequest(path: "/x", filename: "x", profile: Self.profile), profile: 0)
        for message: InspectorMessage in [.scanned(signatures: [], error: nil), .profile(id: 0, Self.profile), .inspect(order)] {
            let frame = Self.framed(Array("J".utf8) + Array(try JSONEncoder().encode(message)))
            try await Self.withFake(layers: Self.layers(), after: frame) { pool, file in
                try await pool.start()
                let verdict = await pool.inspect(InspectionRequest(path: file, filename: "note.txt", profile: Self.profile))
                #expect(verdict.reasons.map(\.code) == [.scanFailed], "\(message): \(verdict)")
            }
        }
    }

    /// Out-of-band data (one urgent byte) makes the channel readable with nothing a receive returns. The worker's
    /// receive never blocks, so the inspection still ends at its budget (before, a blocking receive held a worker thread
    /// for ever: attack round 4 on isolation). The filter also refuses MSG_OOB to a real inspector (the probe test).
    @Test func outOfBandDataCannotHoldTheWorkerPastTheBudget() async throws {
        let oob = "python3 -c 'import socket; socket.socket(fileno=3).send(b\"x\", socket.MSG_OOB)'; exec sleep 60"
        try await Self.withFake(layers: Self.layers(), then: oob) { pool, file in
            try await pool.start()
            try await Task.sleep(for: .milliseconds(300))  // the urgent byte is sent after ready
            let started = ContinuousClock.now
            let inspection = Task { await pool.inspect(InspectionRequest(path: file, filename: "note.txt", profile: Self.profile)) }
            // The budget is 10 s plus 1 s of grace; a receive blocked on the urgent byte would never return.
            let watchdog = Task {
                try await Task.sleep(for: .seconds(40))
                Issue.record("the inspection did not end within 40 s: a receive is blocked")
            }
            let verdict = await inspection.value
            watchdog.cancel()
            #expect(verdict.outcome == .unscannable || verdict.outcome == .failed, "\(verdict)")
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(pool.counts.killed == 1, "\(verdict)")
        }
    }

    /// An idle inspector that computes (outside any upload's deadline and CPU budget) or writes to its channel unasked
    /// (descriptors in flight count against its user's limit) is stopped before it takes another upload, and a new one
    /// serves it (attack round 4 on isolation).
    @Test(arguments: [
        "while :; do :; done",  // burns CPU after its verdict
        "printf 'xxxx' >&3; exec sleep 60",  // writes after its verdict
    ])
    func anIdleInspectorThatMisbehavesIsStoppedBeforeItsNextUpload(_ idle: String) async throws {
        let claimed = Verdict(reasons: [], detectedType: "text/plain", sha256: nil, size: 6)
        try await Self.withFake(layers: Self.layers(), after: Array(try InspectorChannel.frame(.verdict(claimed))), then: idle) { pool, file in
            try await pool.start()
            let request = InspectionRequest(path: file, filename: "note.txt", profile: Self.profile)
            let first = await pool.inspect(request)
            #expect(first.outcome == .clean, "\(first)")
            try await Task.sleep(for: .milliseconds(1500))  // time for the write to arrive
            if idle.hasPrefix("while") {
                // On a loaded machine 1.5 s of wall time may be less than the 0.5 s of CPU an idle inspector may use:
                // wait until the fake really used more (read from /proc), so the check cannot pass or fail by timing.
                let directory = (file as NSString).deletingLastPathComponent
                try await Self.waitUntilCPU(ofProcessWhoseCommandMentions: directory, exceeds: 0.8, within: .seconds(60))
            }
            let second = await pool.inspect(request)
            #expect(second.outcome == .clean, "a new inspector served it: \(second)")
            #expect(pool.counts.killed == 1, "the idle one was stopped")
        }
    }

    /// Waits until the process whose command line mentions `needle` (the fake's unique directory) has used more than
    /// `seconds` of CPU, from /proc/PID/stat (utime + stime, in clock ticks).
    static func waitUntilCPU(ofProcessWhoseCommandMentions needle: String, exceeds seconds: Double, within limit: Duration) async throws {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let deadline = ContinuousClock.now + limit
        var used = 0.0
        while ContinuousClock.now < deadline {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
                guard let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                    String(decoding: command, as: UTF8.self).contains(needle),
                    let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { continue }
                // Fields after the command's closing parenthesis start at field 3 (state); utime and stime are 14 and 15.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
                used = max(used, (user + system) / ticks)
            }
            if used > seconds { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the fake used \(used) s of CPU, not more than \(seconds) s, within \(limit)")
    }

    /// The same verdict in a typed `V` frame is taken: the fake speaks the protocol well enough.
    @Test func aTypedVerdictFromTheFakeIsTaken() async throws {
        let claimed = Verdict(reasons: [], detectedType: "text/plain", sha256: nil, size: 6)
        try await Self.withFake(layers: Self.layers(), after: Array(try InspectorChannel.frame(.verdict(claimed)))) { pool, file in
            try await pool.start()
            let verdict = await pool.inspect(InspectionRequest(path: file, filename: "note.txt", profile: Self.profile))
            #expect(verdict.outcome == .clean && verdict.detectedType == "text/plain", "\(verdict)")
        }
    }

    /// Without Landlock an inspector running as the worker's user could read the worker's configuration and secrets:
    /// the pool refuses to start. A uid of its own (a root worker's inspector that dropped its user) still starts.
    @Test func inspectorsSharingTheWorkersUserWithoutLandlockAreRefused() async throws {
        try await Self.withFake(layers: Self.layers(landlockABI: 0)) { pool, _ in
            await #expect {
                try await pool.start()
            } throws: { error in
                (error as? InspectionError)?.message.contains("Landlock") == true
            }
            #expect(pool.idlePIDs.isEmpty)
        }
        try await Self.withFake(layers: Self.layers(landlockABI: 7)) { pool, _ in
            let layers = try await pool.start()
            #expect(layers.landlockABI == 7)
        }
        if geteuid() == 0 {
            try await Self.withFake(layers: Self.layers(landlockABI: 0, droppedUser: true, ownUser: true)) { pool, _ in
                let layers = try await pool.start()
                #expect(layers.ownUser)
            }
        }
        // Only the explicit, documented opt-out runs them anyway.
        try await Self.withFake(layers: Self.layers(landlockABI: 0), unsafeWithoutLandlock: true) { pool, _ in
            let layers = try await pool.start()
            #expect(layers.landlockABI == 0)
        }
        #expect(SandboxedInspector.refusal(of: Self.layers(landlockABI: 0, droppedUser: true, ownUser: true), workerIsRoot: false) != nil)
        #expect(SandboxedInspector.refusal(of: Self.layers(landlockABI: 0, droppedUser: true), workerIsRoot: true) == nil)
    }
}

/// Custody's one check, whatever produced the verdict (docs/isolation.md, "One validator").
struct VerdictCustodyTests {
    /// An inspection that returns what it is given (an in-process engine, a future path).
    struct Returning: FileInspector {
        let verdict: Verdict
        func inspect(_ request: InspectionRequest) async -> Verdict { verdict }
    }

    static let refused: [Verdict] = [
        Verdict(reasons: [Reason(.typeMismatch, "a\u{1B}[2Jb")], detectedType: "text/plain", sha256: nil, size: 1),
        Verdict(reasons: [Reason(.typeMismatch, "a\u{85}b")], detectedType: "text/plain", sha256: nil, size: 1),
        Verdict(reasons: [Reason(.init(stored: "no_such_code"), "x")], detectedType: nil, sha256: nil, size: 1),
        Verdict(reasons: Array(repeating: Reason(.malware, "x"), count: 257), detectedType: nil, sha256: nil, size: 1),
        Verdict(reasons: [Reason(.malware, String(repeating: "x", count: 2049))], detectedType: nil, sha256: nil, size: 1),
        Verdict(reasons: [], detectedType: "text/plain\r\nx: y", sha256: nil, size: 1),
        Verdict(reasons: [], detectedType: "text/plain; charset=utf-8", sha256: nil, size: 1),
        Verdict(reasons: [], detectedType: nil, sha256: nil, size: 1, signatures: ["Eicar\u{9B}31m"]),
        Verdict(reasons: [], detectedType: nil, sha256: nil, size: 1, signatures: Array(repeating: "s", count: 257)),
        Verdict(reasons: [], detectedType: nil, sha256: "\u{0}", size: 1),
        Verdict(reasons: [], detectedType: nil, sha256: nil, size: -1),
        {
            var verdict = Verdict(reasons: [Reason(.malware, "Eicar")], detectedType: nil, sha256: nil, size: 1)
            verdict.outcome = .clean
            return verdict
        }(),
    ]

    @Test(arguments: refused)
    func aVerdictBreakingTheRulesBecomesScanFailedFromAnyInspector(_ verdict: Verdict) async {
        #expect(verdict.custodyProblem != nil)
        let checked = await CustodyCheckedInspector(Returning(verdict: verdict)).inspect(
            InspectionRequest(path: "/x", filename: "x", profile: InspectorIsolationProtocolTests.profile)
        )
        #expect(checked.outcome == .failed && checked.reasons.map(\.code) == [.scanFailed], "\(checked)")
        #expect(checked.detectedType == nil && checked.signatures.isEmpty)
    }

    @Test func aVerdictWithinTheRulesIsTakenAsItIs() async {
        let verdict = Verdict(
            reasons: Array(repeating: Reason(.malware, "Eicar-Signature 'a/b é'"), count: 256),
            detectedType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            sha256: String(repeating: "a", count: 64),
            size: 1,
            signatures: ["Eicar-Signature"]
        )
        #expect(verdict.custodyProblem == nil)
        #expect(
            await CustodyCheckedInspector(Returning(verdict: verdict)).inspect(
                InspectionRequest(path: "/x", filename: "x", profile: InspectorIsolationProtocolTests.profile)
            ) == verdict
        )
    }

    /// The in-process inspector fits its verdicts within the caps (as an inspector process's wire writer does), so a
    /// legitimate one with control characters in a member name passes custody.
    @Test func theInProcessInspectorsVerdictsPassCustody() async throws {
        let raw = Verdict(
            reasons: (0..<1000).map { Reason(.archiveMemberNotAllowed, "member 'a\u{1B}\($0)'") },
            detectedType: "application/zip",
            sha256: nil,
            size: 1
        )
        #expect(raw.custodyProblem != nil)
        let fitted = raw.fitted(detail: Verdict.Wire.maxDetail)
        #expect(fitted.custodyProblem == nil && fitted.outcome == raw.outcome)
    }
}
