import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// The inspector with real libmagic and real libclamav loaded with the fixtures' signature database.
struct InspectorTests {
    static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
    static let database = Repository.path("fixtures/clamav")
    static let png: [UInt8] =
        [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77,
            0x53, 0xDE,
        ]
        + [0, 0, 0, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D, 0xB0]
        + [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]

    let profile = UploadProfile(
        name: "documents",
        maxSize: 1 << 20,
        allow: [
            .init(extensions: ["txt"], types: ["text/plain"]), .init(extensions: ["pdf"], types: ["application/pdf"]),
            .init(extensions: ["png"], types: ["image/png"]),
        ]
    )
    /// The same corpus runs on every engine; clamd is started by scripts/test with the fixtures database.
    enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case libclamav, clamdUnix, clamdTCP
        var testDescription: String { rawValue }

        func scanner() throws -> any MalwareScanner {
            let env = ProcessInfo.processInfo.environment
            switch self {
            case .libclamav: return try ClamAVEngine(database: InspectorTests.database, limits: ScanLimits())
            case .clamdUnix:
                return try ClamdScanner(
                    address: "unix://" + (env["AIRLOCK_TEST_CLAMD_SOCKET"] ?? "/tmp/airlock-clamd/clamd.sock"),
                    timeout: .seconds(30)
                )
            case .clamdTCP: return try ClamdScanner(address: "tcp://" + (env["AIRLOCK_TEST_CLAMD_TCP"] ?? "127.0.0.1:13310"), timeout: .seconds(30))
            }
        }
    }

    let inspector: Inspector

    init() throws {
        inspector = Inspector(magic: try MagicDetector(), scanner: try ClamAVEngine(database: Self.database, limits: ScanLimits()), threads: 2)
    }

    func inspector(_ engine: Engine) throws -> Inspector {
        Inspector(magic: try MagicDetector(), scanner: try engine.scanner(), threads: 2)
    }

    func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-inspect-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func inspect(
        _ bytes: [UInt8],
        name: String,
        declaredType: String? = nil,
        declaredSHA256: String? = nil,
        deny: Set<String> = [],
        allow: Set<String> = [],
        inspector: Inspector? = nil
    ) async throws -> Verdict {
        let path = try file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return await (inspector ?? self.inspector).inspect(
            InspectionRequest(
                path: path,
                filename: name,
                declaredType: declaredType,
                declaredSHA256: declaredSHA256,
                profile: profile,
                denyList: deny,
                allowList: allow
            )
        )
    }

    @Test(arguments: Engine.allCases)
    func ordinaryTextIsClean(_ engine: Engine) async throws {
        let text = Array("Dear team,\nthe quarterly figures, as promised, are below.\n".utf8)
        let verdict = try await inspect(text, name: "letter.txt", declaredType: "text/plain", inspector: try inspector(engine))
        #expect(verdict.outcome == .clean, "\(verdict.reasons)")
        #expect(verdict.reasons.isEmpty)
        #expect(verdict.detectedType == "text/plain")
        #expect(verdict.size == Int64(text.count))
        #expect(await verdict.sha256 == sha256(text))
    }

    /// A snippet of Python or shell pasted into notes is text (checked as text); the same with a `#!` line is an
    /// executable script under another name, and is refused as plain text.
    @Test func sourceCodeSnippetsAreTextUnlessExecutable() async throws {
        // libmagic calls this text/x-script.python by its words (checked below, so the test keeps meaning something).
        let python = "import os\nfrom sys import argv\n\nclass A:\n    def f(self):\n        pass\n"
        #expect(try Array(python.utf8).withUnsafeBytes { bytes in try inspector.magic.mediaType(of: bytes) } == "text/x-script.python")
        let snippet = try await inspect(Array(python.utf8), name: "snippet.txt", declaredType: "text/plain")
        #expect(snippet.outcome == .clean, "\(snippet.reasons)")
        #expect(snippet.detectedType == "text/plain")
        let script = try await inspect(Array(("#!/usr/bin/env python3\n" + python).utf8), name: "snippet.txt", declaredType: "text/plain")
        #expect(script.outcome != .clean, "\(script.reasons)")
        #expect(script.reasons.contains { [.typeMismatch, .typeNotAllowed].contains($0.code) }, "\(script.reasons)")
        let shell = try await inspect(Array("#!/bin/sh\nrm -rf /tmp/x\n".utf8), name: "notes.txt", declaredType: "text/plain")
        #expect(shell.outcome != .clean, "\(shell.reasons)")
        let batch = try await inspect(Array("@echo off\necho hi\n".utf8), name: "notes.txt", declaredType: "text/plain")
        #expect(batch.outcome == .clean, "\(batch.reasons)")
    }

    /// A `#!` line makes any text an executable script, whatever interpreter it names and whatever libmagic called it.
    @Test func anyInterpreterLineIsAScript() async throws {
        for text in [
            "#!/bin/dash\nid\n", "#!/usr/bin/env -S bash -x\nid\n", "#!/bin/busybox sh\nrm -rf ~\n", "\u{FEFF}#!/opt/tool/run\nhello\n",
            "#!x\na,b\n1,2\n",
        ] {
            let verdict = try await inspect(Array(text.utf8), name: "notes.txt", declaredType: "text/plain")
            #expect(verdict.outcome != .clean, "\(text) \(verdict.reasons)")
            #expect(verdict.reasons.contains { $0.code == .typeMismatch }, "\(text) \(verdict.reasons)")
        }
        for text in ["# !/bin/sh is a path\n", "notes\n#!/bin/sh\n", "#1 item\n"] {
            let verdict = try await inspect(Array(text.utf8), name: "notes.txt", declaredType: "text/plain")
            #expect(verdict.outcome == .clean, "\(text) \(verdict.reasons)")
        }
        #expect(Inspector.shebangScript("text/csv", prefix: Array("#!/bin/sh\n".utf8)) != nil)
        #expect(Inspector.shebangScript("text/markdown", prefix: Array("#!/bin/sh\n".utf8)) != nil)
        #expect(Inspector.shebangScript("image/png", prefix: Array("#!/bin/sh\n".utf8)) == nil)
    }

    /// Code hidden from the text reader by an encoding: a byte-order mark before ASCII PHP, a fake ISO-2022 escape.
    @Test func serverSideCodeBehindEncodingsIsFound() async throws {
        for bytes in [
            [0xFF, 0xFE] + Array("<?php system($_GET['c']); ?>\n\n".utf8), [0xFE, 0xFF] + Array("<!--#exec cmd=\"id\" -->\n".utf8),
            Array("notes\n".utf8) + [0x1B, 0x24] + Array("<?php system($_GET['c']); ?>\n".utf8), Array("a <?system($_GET[1]);?> b\n".utf8),
        ] as [[UInt8]] {
            let verdict = try await inspect(bytes, name: "notes.txt", declaredType: "text/plain")
            #expect(verdict.outcome != .clean, "\(bytes.prefix(8)) \(verdict.reasons)")
        }
    }

    /// CSV saved as text with a formula that runs a program, fetches or links out is active content; sums are not.
    @Test func formulaInjectionInTextIsFound() async throws {
        for text in [
            "name,total\nx,=cmd|' /C calc'!A0\n", "name,img\nx,\"=IMAGE(\"\"https://t.example/p.png\"\")\"\n", "a;b\n1;+HYPERLINK(\"\\\\h\\s\\x\")\n",
        ] {
            let verdict = try await inspect(Array(text.utf8), name: "export.txt", declaredType: "text/plain")
            #expect(verdict.reasons.contains { $0.code == .activeContent }, "\(text) \(verdict.reasons)")
        }
        let sums = try await inspect(Array("name,total\nx,=SUM(B1:B3)\ny,-4\n".utf8), name: "export.txt", declaredType: "text/plain")
        #expect(!sums.reasons.contains { $0.code == .activeContent }, "\(sums.reasons)")
    }

    /// JPEGs with further JPEGs appended (MPO, Ultra HDR) are whole; a WebP, BMP or plain JPEG with a tail is a polyglot.
    @Test func multiPictureJPEGsAndOtherImageEnds() async throws {
        let images = UploadProfile(
            name: "images",
            maxSize: 1 << 20,
            allow: [
                .init(extensions: ["jpg"], types: ["image/jpeg"]), .init(extensions: ["webp"], types: ["image/webp"]),
                .init(extensions: ["bmp"], types: ["image/bmp"]),
            ]
        )
        func check(_ bytes: [UInt8], _ name: String) async throws -> Verdict {
            let path = try file(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return await inspector.inspect(InspectionRequest(path: path, filename: name, profile: images))
        }
        let mpo = ImageMetadataTests.jpeg(ImageMetadataTests.mpf) + ImageMetadataTests.jpeg()
        let whole = try await check(mpo, "a.jpg")
        #expect(!whole.reasons.contains { $0.code == .typeMismatch }, "\(whole.reasons)")
        let plain = try await check(ImageMetadataTests.jpeg() + ImageMetadataTests.jpeg(), "a.jpg")
        #expect(plain.reasons.contains { $0.code == .typeMismatch }, "\(plain.reasons)")
        let webp = try await check(ImageMetadataTests.webp([0x2F, 0, 0, 0, 0, 1]) + Array("<script>x()</script>".utf8), "a.webp")
        #expect(webp.outcome != .clean, "\(webp.detectedType ?? "") \(webp.reasons)")
        let pdf = try await inspect(Array("<html><script>x()</script>\n%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n".utf8), name: "a.pdf")
        #expect(pdf.outcome != .clean, "\(pdf.reasons)")
    }

    /// Refusals decided on purpose (docs/inspection.md, "Text"): mail is a container Airlock does not walk, and a
    /// note that starts like a PDF opens as one.
    @Test func textThatOpensAsSomethingElseIsRefused() async throws {
        let mail = "From: a@example.com\nTo: b@example.com\nSubject: hi\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nHello\n"
        let email = try await inspect(Array(mail.utf8), name: "mail.txt", declaredType: "text/plain")
        #expect(email.detectedType == "message/rfc822")
        #expect(email.outcome != .clean, "\(email.reasons)")
        let note = try await inspect(Array("%PDF-1.7 is the version we target.\nNotes follow.\n".utf8), name: "note.txt", declaredType: "text/plain")
        #expect(note.outcome != .clean, "\(note.reasons)")
    }

    /// Digests computed by whoever wrote the file (the worker, while downloading) stand in for hashing it again, but
    /// only for a file of exactly their size; the type still comes from the file's own first bytes.
    @Test func digestsHandedInAreUsedOnlyForTheirSize() async throws {
        let text = Array("Dear team,\nthe quarterly figures, as promised, are below.\n".utf8)
        let path = try file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handed = FileDigests(size: Int64(text.count), sha256: String(repeating: "ab", count: 32), md5: String(repeating: "cd", count: 16))
        func inspect(_ digests: FileDigests) async -> Verdict {
            await inspector.inspect(
                InspectionRequest(
                    path: path,
                    filename: "letter.txt",
                    declaredType: "text/plain",
                    profile: profile,
                    computeMD5: true,
                    exclusive: true,
                    digests: digests
                )
            )
        }
        let trusted = await inspect(handed)
        #expect(trusted.outcome == .clean, "\(trusted.reasons)")
        #expect(trusted.sha256 == handed.sha256)
        #expect(trusted.md5 == handed.md5)
        #expect(trusted.detectedType == "text/plain")

        var otherSize = handed
        otherSize.size += 1
        let hashed = await inspect(otherSize)
        #expect(await hashed.sha256 == sha256(text))
        #expect(hashed.md5 != handed.md5)
    }

    @Test(arguments: Engine.allCases)
    func eicarIsInfectedWithTheSignatureName(_ engine: Engine) async throws {
        let inspector = try inspector(engine)
        let verdict = try await inspect(Self.eicar, name: "harmless.txt", inspector: inspector)
        #expect(verdict.outcome == .infected)
        #expect(verdict.signatures.contains { $0.hasPrefix("Airlock.Test.EICAR") && $0.hasSuffix(".UNOFFICIAL") })
        #expect(verdict.reasons.contains { $0.code == .malware })
        // With trailing bytes the exact-hash signature misses; the body signature still finds it.
        let padded = try await inspect(Self.eicar + Array("\nsome more text\n".utf8), name: "harmless.txt", inspector: inspector)
        #expect(padded.outcome == .infected)
        #expect(padded.signatures.contains("Airlock.Test.EICAR-Body.UNOFFICIAL"))
    }

    @Test func aPngNamedPdfIsATypeMismatch() async throws {
        let verdict = try await inspect(Self.png, name: "contract.pdf", declaredType: "application/pdf")
        #expect(verdict.detectedType == "image/png")
        #expect(verdict.outcome == .rejected)
        #expect(verdict.reasons.map(\.code) == [.typeMismatch, .typeMismatch])
        #expect(try await inspect(Self.png, name: "picture.png", declaredType: "image/png").outcome == .clean)
    }

    static let gif: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    @Test func bytesAfterAnImageEndAreAPolyglot() async throws {
        let imageProfile = UploadProfile(
            name: "images",
            maxSize: 1 << 20,
            allow: [.init(extensions: ["png"], types: ["image/png"]), .init(extensions: ["gif"], types: ["image/gif"])]
        )
        func check(_ bytes: [UInt8], _ name: String) async throws -> Verdict {
            let path = try file(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return await inspector.inspect(InspectionRequest(path: path, filename: name, profile: imageProfile))
        }
        #expect(try await check(Self.png, "a.png").outcome == .clean)
        #expect(try await check(Self.gif, "a.gif").outcome == .clean)
        // PNG + appended zip (docs/inspection.md: libmagic still says image/png).
        let zipTail: [UInt8] = [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)
        let polyglot = try await check(Self.png + zipTail, "a.png")
        #expect(polyglot.detectedType == "image/png")
        #expect(polyglot.outcome == .rejected)
        #expect(polyglot.reasons.contains { $0.code == .typeMismatch && $0.detail.contains("22 bytes follow the end") })
        // A GIF header followed by JavaScript is an image to libmagic and a script to a browser.
        let script = Array("GIF89a=1;alert(document.cookie);//".utf8)
        let gifScript = try await check(script, "a.gif")
        #expect(gifScript.detectedType == "image/gif")
        #expect(gifScript.outcome != .clean, "\(gifScript.reasons)")
        // PHP in a PNG text chunk, or anywhere in an image's bytes, is active content.
        let textChunk = ImageMetadataTests.png(ImageMetadataTests.chunk("tEXt", Array("Comment\0<?=`id`?>".utf8)))
        #expect(try await check(textChunk, "a.png").reasons.contains { $0.code == .activeContent }, "text chunk")
        #expect(try await check(Self.gif.dropLast() + [0x21, 0xFE, 8] + Array("<?php id".utf8) + [0, 0x3B], "a.gif").outcome != .clean)
        // A truncated PNG does not hold together.
        #expect(try await check(Array(Self.png.prefix(40)), "a.png").outcome == .unscannable)
    }

    @Test func emptyFilesAndBadNamesAreRejected() async throws {
        #expect(try await inspect([], name: "empty.txt").reasons.map(\.code) == [.empty])
        #expect(try await inspect(Array("x".utf8), name: "a\u{202E}txt.exe").reasons.map(\.code).contains(.filenameInvalid))
    }

    @Test func hashListsAndChecksums() async throws {
        let text = Array("known bytes\n".utf8)
        let hash = await sha256(text)
        let denied = try await inspect(text, name: "a.txt", deny: [hash])
        #expect(denied.outcome == .infected)
        #expect(denied.reasons == [Reason(.malware, "deny-list")])
        #expect(denied.signatures.isEmpty)
        // Allow-listed bytes skip the malware scan, never the other checks.
        let trusted = try await inspect(Self.eicar, name: "a.txt", allow: [sha256(Self.eicar)])
        #expect(trusted.outcome == .clean)
        let trustedButMisnamed = try await inspect(Self.png, name: "a.pdf", allow: [sha256(Self.png)])
        #expect(trustedButMisnamed.outcome == .rejected)
        #expect(try await inspect(text, name: "a.txt", declaredSHA256: String(repeating: "0", count: 64)).reasons.map(\.code) == [.checksumMismatch])
        #expect(try await inspect(text, name: "a.txt", declaredSHA256: hash.uppercased()).outcome == .clean)
    }

    @Test func filesBeyondTheScannerLimitsAreUnscannable() async throws {
        let small = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: Self.database, limits: ScanLimits(maxFileSize: 1024, maxScanSize: 1024)),
            threads: 1
        )
        defer { small.shutdown() }
        let verdict = try await inspect(Array(repeating: UInt8(ascii: "a"), count: 4096), name: "big.txt", inspector: small)
        #expect(verdict.outcome == .unscannable, "\(verdict.reasons)")
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.hasPrefix("Heuristics.Limits.Exceeded") })
    }

    /// A private file scanned through a memory map answers as the descriptor path does: signatures anywhere in the
    /// file, limits, nothing, and an empty file (never mapped).
    @Test func mappedAndDescriptorScansAgree() throws {
        let engine = try ClamAVEngine(database: Self.database, limits: ScanLimits(maxFileSize: 64 << 10, maxScanSize: 64 << 10))
        let samples: [[UInt8]] = [
            Self.eicar, Array("clean text\n".utf8), Array(repeating: UInt8(ascii: "x"), count: 40_000) + Self.eicar,
            Array(repeating: 0x41, count: 100_000), [],
        ]
        var answers: [ClamAVResult] = []
        for bytes in samples {
            let path = try file(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let descriptor = open(path, O_RDONLY)
            defer { close(descriptor) }
            let mapped = try engine.scan(exclusive: descriptor, name: "sample")
            #expect(mapped == (try engine.scan(descriptor: descriptor, name: "sample")), "\(bytes.count) bytes")
            answers.append(mapped)
        }
        #expect(answers[0] != .clean && answers[2] != .clean && answers[3] != .clean)
        #expect(answers[1] == .clean && answers[4] == .clean)
    }

    @Test func anUnreachableClamdIsAScanFailureNeverClean() async throws {
        let absent = Inspector(magic: try MagicDetector(), scanner: try ClamdScanner(address: "unix:///nonexistent/clamd.sock"), threads: 1)
        let verdict = try await inspect(Array("text\n".utf8), name: "a.txt", inspector: absent)
        #expect(verdict.outcome == .failed)
        #expect(verdict.reasons.first?.detail.contains("cannot reach clamd") == true)
        #expect(throws: InspectionError.self) { try ClamdScanner(address: "http://clamd") }
        #expect(throws: InspectionError.self) { try ClamdScanner(address: "tcp://host") }
    }

    /// Compose and Kubernetes name clamd by a service name: the TCP address resolves (every address in turn).
    @Test func clamdIsReachedByHostName() async throws {
        let port =
            (ProcessInfo.processInfo.environment["AIRLOCK_TEST_CLAMD_TCP"] ?? "127.0.0.1:13310").split(separator: ":").last.map(String.init)
            ?? "13310"
        let named = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamdScanner(address: "tcp://localhost:\(port)", timeout: .seconds(30)),
            threads: 1
        )
        let verdict = try await inspect(Self.eicar, name: "harmless.txt", inspector: named)
        #expect(verdict.outcome == .infected, "\(verdict.reasons)")
        let unknown = Inspector(magic: try MagicDetector(), scanner: try ClamdScanner(address: "tcp://clamd.invalid:3310"), threads: 1)
        let failed = try await inspect(Array("text\n".utf8), name: "a.txt", inspector: unknown)
        #expect(failed.outcome == .failed)
        #expect(failed.reasons.first?.detail.contains("cannot resolve the clamd host 'clamd.invalid'") == true, "\(failed.reasons)")
    }

    @Test func clamdRepliesAreParsed() throws {
        #expect(try ClamdScanner.result(from: "stream: OK") == .clean)
        #expect(try ClamdScanner.result(from: "fd[12]: Eicar-Test FOUND") == .detected(["Eicar-Test"]))
        #expect(try ClamdScanner.result(from: "INSTREAM size limit exceeded. ERROR") == .detected(["Heuristics.Limits.Exceeded.StreamMaxLength"]))
        #expect(throws: InspectionError.self) { try ClamdScanner.result(from: "stream: lstat() failed. ERROR") }
    }

    @Test func anEmptySignatureDatabaseIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-emptydb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: InspectionError.self) { try ClamAVEngine(database: directory, limits: ScanLimits()) }
        #expect(throws: InspectionError.self) { try ClamAVEngine(database: "/nonexistent/clamav", limits: ScanLimits()) }
    }

    @Test(arguments: Engine.allCases)
    func concurrentInspectionsShareOneEngine(_ engine: Engine) async throws {
        let inspector = try inspector(engine)
        let verdicts = try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            for index in 0..<60 {
                group.addTask {
                    let bytes = index % 3 == 0 ? Self.eicar : Array("plain text number \(index)\n".utf8)
                    return (index, try await inspect(bytes, name: "f\(index).txt", inspector: inspector).outcome)
                }
            }
            return try await group.reduce(into: [Int: Outcome]()) { $0[$1.0] = $1.1 }
        }
        for (index, outcome) in verdicts {
            #expect(outcome == (index % 3 == 0 ? .infected : .clean), "file \(index)")
        }
    }
}

func sha256(_ bytes: [UInt8]) async -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-sha-\(UUID().uuidString)").path
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let output = try? await TestProcess.run(["sha256sum", path])
    return String(output?.stdoutText.prefix(64) ?? "")
}

/// A signature added while the engine runs is detected after a reload, without a restart.
struct ReloadingClamAVTests {
    @Test func aNewSignatureIsPickedUpWithoutRestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Repository.path("fixtures/clamav/airlock-test.hdb"), toPath: directory + "/airlock-test.hdb")
        let scanner = try ReloadingClamAV(database: directory, limits: ScanLimits())
        #expect(try scanner.reloadIfChanged() == false)

        // EICAR with trailing bytes: the exact-hash signature misses it.
        let path = directory + "/../airlock-reload-sample-\(UUID().uuidString)"
        try Data(InspectorTests.eicar + Array(" trailing".utf8)).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        #expect(try scanner.scan(descriptor: descriptor, name: "sample") == .clean)

        try FileManager.default.copyItem(atPath: Repository.path("fixtures/clamav/airlock-test.ndb"), toPath: directory + "/airlock-test.ndb")
        #expect(try scanner.reloadIfChanged())
        #expect(try scanner.scan(descriptor: descriptor, name: "sample") == .detected(["Airlock.Test.EICAR-Body.UNOFFICIAL"]))
        #expect(try scanner.engine().signatureCount == 3)
        #expect(scanner.databaseAge(now: Int(Date().timeIntervalSince1970)) < 60)

        // A broken update keeps the working engine.
        try "not a signature\n".write(toFile: directory + "/broken.ndb", atomically: true, encoding: .utf8)
        #expect(throws: InspectionError.self) { try scanner.reloadIfChanged() }
        #expect(try scanner.scan(descriptor: descriptor, name: "sample") == .detected(["Airlock.Test.EICAR-Body.UNOFFICIAL"]))
    }

    @Test func theMD5ComesFromTheSameReadOnlyWhenAskedFor() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-md5-\(UUID().uuidString)").path
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let profile = UploadProfile(name: "t", maxSize: 1 << 20, allow: [.init(extensions: ["txt"], types: ["text/plain"])])
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            threads: 1
        )
        defer { inspector.shutdown() }
        let asked = await inspector.inspect(InspectionRequest(path: path, filename: "a.txt", profile: profile, computeMD5: true))
        #expect(asked.md5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(asked.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let plain = await inspector.inspect(InspectionRequest(path: path, filename: "a.txt", profile: profile))
        #expect(plain.md5 == nil)
    }

    /// A worker whose inspector processes scan keeps no engine: the database is still compiled at each load (a broken
    /// update is refused and the inspectors are not told) and its age still known, but nothing scans in this process.
    @Test func withoutAKeptEngineReloadsStillCheckTheDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Repository.path("fixtures/clamav/airlock-test.hdb"), toPath: directory + "/airlock-test.hdb")
        let scanner = try ReloadingClamAV(database: directory, limits: ScanLimits(), keepEngine: false)
        #expect(throws: InspectionError.self) { try scanner.engine() }
        #expect(throws: InspectionError.self) { try scanner.scan(descriptor: 0, name: "stdin") }
        #expect(scanner.engineDescription.hasPrefix("libclamav "))
        #expect(scanner.databaseAge(now: Int(Date().timeIntervalSince1970)) < 3600 * 24 * 365 * 30)
        try FileManager.default.copyItem(atPath: Repository.path("fixtures/clamav/airlock-test.ndb"), toPath: directory + "/airlock-test.ndb")
        #expect(try scanner.reloadIfChanged())
        try "not a signature\n".write(toFile: directory + "/broken.ndb", atomically: true, encoding: .utf8)
        #expect(throws: InspectionError.self) { try scanner.reloadIfChanged() }
    }
}
