import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// The inspector channel's hot frames (docs/isolation.md, "Wire format"): what one side writes the other reads back
/// unchanged, and a malformed frame is an error, never a crash or a guess.
struct InspectorWireTests {
    static let profile = UploadProfile(name: "wire", maxSize: 1 << 20, allow: [.init(extensions: ["txt"], types: ["text/plain"])])

    @Test func anOrderAndAVerdictSurviveTheirFrames() throws {
        let request = InspectionRequest(
            path: "/tmp/x",
            filename: "r\u{e9}sum\u{e9} \"q\"\\\n\u{1}\u{2028}\u{1F600}.txt",
            declaredSize: 12,
            declaredType: nil,
            declaredSHA256: String(repeating: "a", count: 64),
            profile: Self.profile,
            denyList: ["d1", "d2"],
            allowList: [],
            computeMD5: true,
            exclusive: true,
            digests: FileDigests(size: Int64.max, sha256: String(repeating: "b", count: 64), md5: "c")
        )
        let order = InspectionOrder(request, profile: 7)
        guard case .inspect(let back) = try InspectorChannel.message(Array(try InspectorChannel.frame(.inspect(order)).dropFirst(4))) else {
            Issue.record("not an order")
            return
        }
        #expect(back == order)
        let verdict = Verdict(
            reasons: [Reason(.malware, "Eicar-Signature \u{0}\u{7f}"), Reason(.typeMismatch, "")],
            detectedType: "text/plain",
            sha256: nil,
            size: -1,
            signatures: ["Eicar-Signature"],
            md5: "m"
        )
        guard case .verdict(let read) = try InspectorReport(frame: Array(try InspectorChannel.frame(.verdict(verdict)).dropFirst(4))) else {
            Issue.record("not a verdict")
            return
        }
        // Control characters travel visible (the worker refuses them raw).
        var visible = verdict
        visible.reasons[0] = Reason(.malware, #"Eicar-Signature \x00\x7F"#)
        #expect(read == visible)
        // The cold messages still travel as Codable JSON.
        guard
            case .profile(let id, let profile) = try InspectorChannel.message(
                Array(try InspectorChannel.frame(.profile(id: 3, Self.profile)).dropFirst(4))
            )
        else {
            Issue.record("not a profile")
            return
        }
        #expect(id == 3 && profile == Self.profile)
    }

    @Test(arguments: [
        "", "V", "X{}", "V{", "V{}", "Vnull", "V[]",
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null,"extra":1}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1.5,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":01,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":99999999999999999999,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"size":2,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[]}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null,"md5":null}"#,
        #"V{"reasons":[{"code":"no_such_code","detail":""}],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":"\ud800","sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":"\x","sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[1],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null} x"#,
        #"V{"reasons":[[[[[[[[]]]]]]]],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":-1,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false,"digests":null}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":1,"exclusive":false,"digests":null}"#,
        #"I{"filename":"a","filename":"b","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false,"digests":null}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[1],"allowList":[],"computeMD5":false,"exclusive":false,"digests":null}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false,"digests":{"size":1,"sha256":"s","md5":"m","x":1}}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false,"digests":{"size":1,"sha256":"s"}}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false,"digests":null} x"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false,"digests":null,"extra":1}"#,
        "J{\"verdict\":",
    ])
    func aMalformedFrameIsAnErrorNotACrash(_ text: String) {
        #expect(throws: InspectorChannel.Failure.self) { try InspectorChannel.message(Array(text.utf8)) }
    }

    @Test func anOrderIsReadWhateverItsFieldOrderAndBlanks() throws {
        let text =
            #"I { "digests" : {"md5":"m","sha256":"s","size":3}, "exclusive":true, "computeMD5":false, "allowList":[],"#
            + #" "denyList":["b","a","a"], "profile":2, "declaredSHA256":null, "declaredType":"text/plain", "declaredSize":3,"#
            + #" "filename":"x.txt" } "#
        guard case .inspect(let order) = try InspectorChannel.message(Array(text.utf8)) else {
            Issue.record("not an order")
            return
        }
        #expect(order.filename == "x.txt" && order.declaredSize == 3 && order.declaredType == "text/plain" && order.declaredSHA256 == nil)
        #expect(order.profile == 2 && order.denyList == ["a", "b"] && order.allowList.isEmpty && !order.computeMD5 && order.exclusive)
        #expect(order.digests == FileDigests(size: 3, sha256: "s", md5: "m"))
    }

    @Test func aFrameWithInvalidUTF8OrARawControlCharacterIsMalformed() {
        let prefix = Array(#"V{"reasons":[],"detectedType":""#.utf8)
        let suffix = Array(#"","sha256":null,"size":1,"signatures":[],"md5":null}"#.utf8)
        for bad: [UInt8] in [[0xFF], [0xC3], [0x0A], [0xED, 0xA0, 0x80]] {
            #expect(throws: InspectorChannel.Failure.self) { try InspectorReport(frame: prefix + bad + suffix) }
        }
        // The same frame with a valid string is a verdict.
        #expect((try? InspectorReport(frame: prefix + Array("text/plain".utf8) + suffix)) != nil)
    }
}

/// What the worker's end of the channel accepts from an inspector (docs/isolation.md, "Wire format"): small frames of
/// the kinds an inspector sends, verdicts within their caps, clamd requests for readable regular files, and sends that
/// give up when the inspector stops reading.
struct InspectorFrameCapTests {
    static func verdictText(reasons: String = "[]", detectedType: String = "null", signatures: String = "[]") -> String {
        #"V{"reasons":\#(reasons),"detectedType":\#(detectedType),"sha256":null,"size":1,"signatures":\#(signatures),"md5":null}"#
    }

    @Test(arguments: [
        verdictText(reasons: "[" + Array(repeating: #"{"code":"malware","detail":""}"#, count: 257).joined(separator: ",") + "]"),
        verdictText(signatures: "[" + Array(repeating: #""""#, count: 257).joined(separator: ",") + "]"),
        verdictText(reasons: #"[{"code":"malware","detail":""# + String(repeating: "x", count: 2049) + #""}]"#),
        verdictText(reasons: #"[{"code":"malware","detail":""# + String(repeating: "\\n", count: 2049) + #""}]"#),
        verdictText(signatures: #"[""# + String(repeating: "s", count: 257) + #""]"#),
        verdictText(detectedType: #"""# + String(repeating: "t", count: 257) + #"""#),
        verdictText(reasons: #"[{"code":"malware","detail":"","detail":""}]"#),
        verdictText(reasons: #"[{"code":"malware"}]"#),
        verdictText(reasons: #"{}"#),
        verdictText(signatures: #"[[0]]"#),
        // Control characters in any string, a detected type that is no media type.
        verdictText(reasons: #"[{"code":"malware","detail":"a\u0000b"}]"#),
        verdictText(signatures: #"["Eicar\u009B31m"]"#),
        verdictText(detectedType: #""text/plain\r\nx-amz-acl: public-read""#),
        verdictText(detectedType: #""text/plain; charset=utf-8""#),
        verdictText(detectedType: #""text""#),
        #"V{"reasons":[],"detectedType":null,"sha256":"\u0000","size":1,"signatures":[],"md5":null}"#,
    ])
    func aVerdictPastACapOrOfAWrongTypeIsMalformed(_ text: String) {
        #expect(throws: InspectorChannel.Failure.self) { try InspectorReport(frame: Array(text.utf8)) }
    }

    @Test func theLargestLegitimateVerdictIsFittedWithinTheCapsAndKeepsItsOutcome() throws {
        let codes: [ReasonCode] = [.activeContent, .unscannable, .malware]
        let detail = String(repeating: "\u{1}\u{2028}\"é", count: 2000)
        let reasons = (0..<3000).map { Reason(codes[$0 % codes.count], "member '\($0)': \(detail)") }
        let signatures = (0..<1000).map { "Sig.\($0)." + String(repeating: "\u{1}", count: 400) }
        let verdict = Verdict(
            reasons: reasons,
            detectedType: "application/zip",
            sha256: String(repeating: "a", count: 64),
            size: 1,
            signatures: signatures,
            md5: nil
        )
        let frame = try InspectorChannel.frame(.verdict(verdict))
        #expect(frame.count - 4 <= Verdict.Wire.maxFrame)
        guard case .verdict(let read) = try InspectorReport(frame: Array(frame.dropFirst(4))) else {
            Issue.record("not a verdict")
            return
        }
        #expect(read.outcome == verdict.outcome)
        #expect(read.reasons.count == Verdict.Wire.maxReasons)
        #expect(Set(read.reasons.map(\.code)) == Set(codes))
        #expect(read.reasons.last?.detail.contains("more") == true)
        #expect(read.signatures.count == Verdict.Wire.maxSignatures)
        #expect(read.signatures[0].hasPrefix("Sig.0."))
    }

    /// The verdict's sha256, size and MD5 are the worker's: one that names other bytes is malformed, and whatever
    /// it says about them never reaches the result (the custody hash, stored metadata, hash lists).
    @Test func theVerdictsDigestsAreTheWorkersNeverTheInspectors() throws {
        let known = FileDigests(size: 6, sha256: String(repeating: "a", count: 64), md5: String(repeating: "b", count: 32))
        let other = String(repeating: "c", count: 64)
        #expect(throws: InspectorChannel.Failure.self) {
            try SandboxedInspector.custody(Verdict(reasons: [], detectedType: nil, sha256: other, size: 6), known: known, md5: false)
        }
        #expect(throws: InspectorChannel.Failure.self) {
            try SandboxedInspector.custody(Verdict(reasons: [], detectedType: nil, sha256: known.sha256, size: .min), known: known, md5: false)
        }
        #expect(throws: InspectorChannel.Failure.self) {
            try SandboxedInspector.custody(
                Verdict(reasons: [], detectedType: nil, sha256: known.sha256, size: 6, md5: String(repeating: "d", count: 32)),
                known: known,
                md5: true
            )
        }
        // None given (an early scan_failed verdict), or the same: the worker's values.
        let silent = try SandboxedInspector.custody(Verdict(reasons: [], detectedType: nil, sha256: nil, size: .min), known: known, md5: true)
        #expect(silent.sha256 == known.sha256 && silent.size == 6 && silent.md5 == known.md5)
        let honest = try SandboxedInspector.custody(Verdict(reasons: [], detectedType: nil, sha256: known.sha256, size: 6), known: known, md5: false)
        #expect(honest.sha256 == known.sha256 && honest.size == 6 && honest.md5 == nil)
    }

    /// The worker hashes a file it got no digests for (or whose size changed) itself.
    @Test func theWorkerHashesAFileItGotNoDigestsFor() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("digests-\(UUID().uuidString)").path
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let stale = FileDigests(size: 99, sha256: String(repeating: "a", count: 64), md5: "")
        let digests = try SandboxedInspector.digests(of: descriptor, given: stale, md5: true)
        #expect(digests.size == 6)
        #expect(digests.sha256 == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        #expect(digests.md5 == "b1946ac92492d2347c6235b4d2611184")
    }

    /// A frame written raw by a hostile inspector, then what the worker's end reads of it.
    static func receive(_ header: UInt32, _ body: [UInt8]) throws -> InspectorChannel.Failure? {
        let (worker, inspector) = try InspectorChannel.pair()
        defer {
            worker.close()
            inspector.close()
        }
        let bytes = withUnsafeBytes(of: header.littleEndian) { Array($0) } + body
        _ = bytes.withUnsafeBytes { write(inspector.descriptor, $0.baseAddress!, $0.count) }
        shutdown(inspector.descriptor, Int32(SHUT_WR))
        do {
            _ = try worker.receiveReport(deadline: .now + .seconds(5))
            return nil
        } catch {
            return error
        }
    }

    @Test func theWorkersEndRefusesFramesPastTheirKindsCap() throws {
        // Refused from the length alone, before a byte of the body is read.
        guard case .malformed = try Self.receive(UInt32(Verdict.Wire.maxFrame + 1), Array("V".utf8)) else {
            Issue.record("a verdict frame past its cap was read")
            return
        }
        guard case .malformed = try Self.receive(64 << 20, Array("V".utf8)) else {
            Issue.record("a 64 MiB frame was read")
            return
        }
        // A control frame (ready, scan) past 64 KiB, and an order, which an inspector never sends.
        let control = Array("J".utf8) + Array(repeating: UInt8(ascii: " "), count: 64 << 10)
        guard case .malformed = try Self.receive(UInt32(control.count), control) else {
            Issue.record("a control frame past its cap was read")
            return
        }
        let order = Array(#"I{}"#.utf8)
        guard case .malformed = try Self.receive(UInt32(order.count), order) else {
            Issue.record("an order was read by the worker")
            return
        }
        let fine = Array(Self.verdictText().utf8)
        #expect(try Self.receive(UInt32(fine.count), fine) == nil)
    }

    /// A `J` frame: the kind byte and `message` through Codable, as a hostile inspector may write any message.
    static func controlFrame(_ message: InspectorMessage) throws -> [UInt8] {
        Array("J".utf8) + Array(try JSONEncoder().encode(message))
    }

    /// The worker's end reads a verdict only from a `V` frame, typed, and no message an inspector never sends: a
    /// verdict in a `J` frame (which skipped the strict reader: control characters, unknown codes, no caps) is
    /// malformed, like a setup, profile, order or clamd answer.
    @Test func theWorkersEndReadsOnlyWhatAnInspectorSendsAndAVerdictOnlyTyped() throws {
        let forged = Verdict(
            reasons: [Reason(.init(stored: "no_such_code\u{1B}[2J"), "x\r\nFORGED LOG LINE")],
            detectedType: "text/plain\r\nx-amz-acl: public-read-write",
            sha256: nil,
            size: 1
        )
        let many = Verdict(reasons: Array(repeating: Reason(.malware, "x"), count: 2000), detectedType: nil, sha256: nil, size: 1)
        let plain = Verdict(reasons: [], detectedType: "text/plain", sha256: nil, size: 1)
        let setup = InspectorSetup(engine: .clamd(description: "x"), scratch: "/tmp", limits: InspectorLimits(), parent: 1)
        let order = InspectionOrder(InspectionRequest(path: "/x", filename: "x", profile: InspectorWireTests.profile), profile: 0)
        let refused: [InspectorMessage] = [
            .verdict(forged), .verdict(many), .verdict(plain), .setup(setup), .profile(id: 0, InspectorWireTests.profile), .inspect(order),
            .scanned(signatures: [], error: nil),
        ]
        for message in refused {
            let frame = try Self.controlFrame(message)
            guard case .malformed = try Self.receive(UInt32(frame.count), frame) else {
                Issue.record("the worker's end read a J frame of \(message)")
                continue
            }
        }
        // What an inspector does send in J frames is read.
        for message: InspectorMessage in [.ready(InspectorReady(layers: nil, engine: "e", error: "why")), .scan(name: "n", unpackArchives: true)] {
            let frame = try Self.controlFrame(message)
            #expect(try Self.receive(UInt32(frame.count), frame) == nil, "\(message)")
        }
    }

    @Test func clamdRequestsAreForReadableRegularFilesOnly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-scan-fd-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        defer { unlink(path) }
        let readable = open(path, O_RDONLY | O_CLOEXEC)
        let writeOnly = open(path, O_WRONLY | O_CLOEXEC)
        let pathOnly = open(path, O_RDONLY | O_CLOEXEC | 0o10_000_000)
        let directory = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        var pipeEnds: [Int32] = [-1, -1]
        pipe(&pipeEnds)
        var sockets: [Int32] = [-1, -1]
        socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &sockets)
        defer { for descriptor in [readable, writeOnly, pathOnly, directory] + pipeEnds + sockets { close(descriptor) } }
        #expect(pathOnly >= 0)
        #expect(InspectorChannel.refusal(ofScanDescriptor: readable) == nil)
        for refused in [writeOnly, pathOnly, directory, pipeEnds[0], sockets[0], -1] {
            #expect(InspectorChannel.refusal(ofScanDescriptor: refused) != nil, "descriptor \(refused)")
        }
    }

    @Test func aSendToAnInspectorThatStopsReadingGivesUpAtItsDeadline() throws {
        let (worker, inspector) = try InspectorChannel.pair()
        defer {
            worker.close()
            inspector.close()
        }
        // Far more than the socket buffers hold; the inspector end never reads.
        let names = (0..<200_000).map { "signature-\($0)" }
        let start = ContinuousClock.now
        #expect {
            try worker.send(.scanned(signatures: names, error: nil), deadline: .now + .seconds(1))
        } throws: { error in
            guard case .timedOut = error as? InspectorChannel.Failure else { return false }
            return true
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
