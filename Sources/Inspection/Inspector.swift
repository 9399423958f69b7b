public import AirlockCore
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// Runs the checks of docs/inspection.md ("Order") on a local file, in order, and returns the verdict.
///
/// Fail closed: a check that cannot run (unreadable file, libmagic or libclamav error) yields `unscannable` or
/// `scan_failed`, never a clean verdict.
public final class Inspector: FileInspector {
    public let magic: MagicDetector
    public let scanner: any MalwareScanner
    /// Where archive members are extracted (private files, removed after inspection).
    public let temporaryDirectory: String
    private let scratch: ScratchDirectory?
    private let pool: BlockingPool

    /// - Parameters:
    ///   - magic: The type detector.
    ///   - scanner: In-process libclamav or clamd.
    ///   - threads: Threads for the blocking work (hashing, libmagic, the scanner).
    ///   - temporaryDirectory: Where archive members are extracted (`scanner.tempDir`); `TMPDIR` or `/tmp` when nil.
    public init(magic: MagicDetector, scanner: any MalwareScanner, threads: Int, temporaryDirectory: String? = nil) {
        self.magic = magic
        self.scanner = scanner
        self.temporaryDirectory = temporaryDirectory ?? getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        self.scratch = nil
        self.pool = BlockingPool(threads: threads)
    }

    /// An inspector that extracts into a process-private scratch directory, kept as long as the inspector.
    public init(magic: MagicDetector, scanner: any MalwareScanner, threads: Int, scratch: ScratchDirectory) {
        self.magic = magic
        self.scanner = scanner
        self.temporaryDirectory = scratch.path
        self.scratch = scratch
        self.pool = BlockingPool(threads: threads)
    }

    /// Stops the inspection threads once queued inspections are done (also on release).
    public func shutdown() {
        pool.shutdown()
    }

    deinit {
        pool.shutdown()
    }

    /// Inspects a file off the cooperative pool; the verdict is fitted within ``Verdict/Wire``'s caps, as an
    /// inspector process's is, so custody's check (``Verdict/custodyProblem``) takes it.
    public func inspect(_ request: InspectionRequest) async -> Verdict {
        await pool.run { () -> Verdict in self.inspectBlocking(request).fitted(detail: Verdict.Wire.maxDetail) }
    }

    /// Inspects `requests` on the inspection threads, each thread taking the next file when done with one (verdicts
    /// fitted as by ``inspect(_:)``).
    public func inspectAll(_ requests: [InspectionRequest], concurrency: Int) async -> [Verdict] {
        await pool.map(count: requests.count, lanes: concurrency) { self.inspectBlocking(requests[$0]).fitted(detail: Verdict.Wire.maxDetail) }
    }

    /// Inspects a file on the calling thread (blocking), within one budget for every archive level (the profile's
    /// `maxInspectionTime`, `archives.maxEntries`, `archives.maxTotalSize` and `archives.maxDepth`): the first limit
    /// hit stops the walk and makes the upload `unscannable`, named.
    public func inspectBlocking(_ request: InspectionRequest) -> Verdict {
        inspectBlocking(request, descriptor: nil)
    }

    /// The same on a descriptor open for reading (an inspector process receives the upload that way: it may not open
    /// the worker's files by path). `request.path` is then only a label; the descriptor stays open.
    public func inspectBlocking(_ request: InspectionRequest, descriptor: Int32?) -> Verdict {
        let budget = InspectionBudget(profile: request.profile)
        let verdict = inspectBlocking(request, context: MemberContext(budget: budget, depth: 0), descriptor: descriptor)
        guard let exceeded = budget.exceeded else { return verdict }
        return verdict.adding(exceeded)
    }

    /// What one upload's inspection may still spend, shared by every nesting level.
    final class InspectionBudget {
        let deadline: ContinuousClock.Instant
        let timeLimit: Duration
        var bytes: Int64
        var members: Int
        var parts: Int
        let maxTotalSize: Int64
        let maxEntries: Int
        /// Parts of Office packages, all levels together (a workbook with a thousand sheets is ordinary).
        static let maxParts = 20_000
        /// The first limit hit; once set, nothing more is extracted or scanned.
        private(set) var exceeded: Reason?

        init(profile: UploadProfile) {
            timeLimit = profile.inspectionTimeLimit
            deadline = .now + profile.inspectionTimeLimit
            maxTotalSize = profile.archives.maxTotalSize
            maxEntries = profile.archives.maxEntries
            bytes = profile.archives.maxTotalSize
            members = profile.archives.maxEntries
            parts = Self.maxParts
        }

        func exceed(_ detail: String) {
            if exceeded == nil { exceeded = Reason(.unscannable, detail) }
        }

        /// Whether the budget is spent (a limit was hit, or the time is up: then that is recorded).
        var isSpent: Bool {
            if exceeded != nil { return true }
            if ContinuousClock.now >= deadline { exceed("the inspection took longer than its \(timeLimit) budget") }
            return exceeded != nil
        }

        /// Takes `size` bytes inflated from a compressed part out of the budget, or records that they pass it.
        func take(inflated size: Int64, label: String) -> Bool {
            guard size <= bytes else {
                exceed("archive members inflate past \(maxTotalSize) bytes at all levels together (at \(label))")
                return false
            }
            bytes -= size
            return true
        }

        /// Takes one archive member (or package part) of `size` bytes out of the budget, or records which limit it
        /// would pass.
        func take(member size: Int64, label: String, part: Bool = false) -> Bool {
            guard !isSpent else { return false }
            if part {
                guard parts > 0 else {
                    exceed("more than \(Self.maxParts) document parts at all levels together (at \(label))")
                    return false
                }
            } else {
                guard members > 0 else {
                    exceed("more than \(maxEntries) archive members at all levels together (at \(label))")
                    return false
                }
            }
            guard size <= bytes else {
                exceed("archive members inflate past \(maxTotalSize) bytes at all levels together (at \(label))")
                return false
            }
            if part { parts -= 1 } else { members -= 1 }
            bytes -= size
            return true
        }
    }

    struct MemberContext {
        var budget: InspectionBudget
        /// 0 for the uploaded file, 1 for its archive's members, and so on.
        var depth: Int
        /// `outer.zip/inner.zip/` for reason details.
        var path: String = ""
    }

    func inspectBlocking(_ request: InspectionRequest, context: MemberContext, descriptor given: Int32? = nil) -> Verdict {
        var reasons: [Reason] = []
        // 1-2. Filename and extension (a member's name was judged from its archive's directory).
        if context.depth == 0 {
            reasons += ProfilePolicy.checkDeclaration(filename: request.filename, declaredSize: nil, declaredType: nil, profile: request.profile)
        }

        let descriptor = given.map { fcntl($0, F_DUPFD_CLOEXEC, 0) } ?? open(request.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return Verdict(
                reasons: reasons + [Reason(.scanFailed, "the file cannot be opened: \(String(cString: strerror(errno)))")],
                detectedType: nil,
                sha256: nil,
                size: 0
            )
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            return Verdict(reasons: reasons + [Reason(.scanFailed, "the file cannot be examined")], detectedType: nil, sha256: nil, size: 0)
        }
        let size = Int64(info.st_size)

        // 3. Size against the profile and the declaration (members: the archive's total-size limit instead).
        if context.depth == 0 {
            reasons += ProfilePolicy.checkSize(size: size, declaredSize: request.declaredSize, profile: request.profile)
        }

        // Hash the whole file, keeping its first bytes for libmagic (or only read those when the digests came with it).
        let hashed: (sha256: String, prefix: [UInt8], md5: String?)
        do throws(InspectionError) {
            if let digests = request.digests, digests.size == size {  // archive members: none (their requests clear them)
                guard let head = Self.read(descriptor: descriptor, count: Int(min(size, Int64(MagicDetector.prefixBytes)))) else {
                    throw InspectionError(.io, "reading the file failed")
                }
                hashed = (digests.sha256, head, request.computeMD5 ? digests.md5 : nil)
            } else {
                hashed = try Self.hash(
                    descriptor: descriptor,
                    size: size,
                    prefix: MagicDetector.prefixBytes,
                    md5: request.computeMD5 && context.depth == 0
                )
            }
        } catch {
            return Verdict(reasons: reasons + [Reason(.scanFailed, error.message)], detectedType: nil, sha256: nil, size: size)
        }

        // 4. Content type from the bytes.
        var detectedType: String?
        var memberSignatures: [String] = []
        // Whether Airlock took the file apart itself (then the malware scanner must not unpack it again).
        var walked = false
        if size > 0 {
            let detection: Result<String, InspectionError> = hashed.prefix.withUnsafeBytes { bytes in
                do throws(InspectionError) { return .success(try magic.mediaType(of: bytes)) } catch { return .failure(error) }
            }
            switch detection {
            case .success(var type):
                // ZIP-based files, by libmagic's word or by their first bytes: structure, member names, OOXML parts
                // (before the type check: an OOXML document libmagic calls zip or octet-stream is recognized from its
                // parts).
                if ContainerInspection.isZipBased(MediaType.essence(type)) || hashed.prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                    let container = ContainerInspection.inspect(
                        descriptor: descriptor,
                        size: size,
                        detectedType: MediaType.essence(type),
                        filename: request.filename,
                        profile: request.profile
                    )
                    type = container.refinedType ?? type
                    reasons += container.reasons
                    walked = container.walked
                    if !container.members.isEmpty {
                        let walk = walkMembers(container.members, of: descriptor, request: request, context: context)
                        reasons += walk.reasons
                        memberSignatures = walk.signatures
                    }
                    if !container.parts.isEmpty {
                        let walk = walkParts(container.parts, of: descriptor, request: request, context: context)
                        reasons += walk.reasons
                        memberSignatures = walk.signatures
                    }
                }
                type = Self.refinedType(type, filename: request.filename, prefix: hashed.prefix)
                if Self.isPlainSourceCode(MediaType.essence(type), prefix: hashed.prefix) { type = "text/plain" }
                if let script = Self.shebangScript(MediaType.essence(type), prefix: hashed.prefix) { reasons.append(script) }
                if let sylk = Self.sylkText(type, prefix: hashed.prefix) { reasons.append(sylk) }
                detectedType = type
                reasons += ProfilePolicy.checkType(
                    detected: type,
                    filename: request.filename,
                    declaredType: request.declaredType,
                    profile: request.profile
                )
                if UploadProfile.unwalkableArchiveTypes.contains(MediaType.essence(type)) {
                    reasons.append(
                        Reason(.unscannable, "\(MediaType.essence(type)) archives are not unpacked by Airlock: their members cannot be inspected")
                    )
                }
                reasons += Self.contentFindings(
                    type: MediaType.essence(type),
                    descriptor: descriptor,
                    size: size,
                    prefix: hashed.prefix,
                    namedCSV: Self.isNamedCSV(filename: request.filename, declaredType: request.declaredType),
                    namedMarkdown: Self.isNamedMarkdown(filename: request.filename)
                )
            case .failure(let error):
                reasons.append(Reason(.unscannable, "the content type could not be determined: \(error.message)"))
            }
        }

        // 7-8. Hash lists, then ClamAV (a member only while the budget lasts).
        var signatures: [String] = []
        if request.denyList.contains(hashed.sha256) {
            reasons.append(Reason(.malware, "deny-list"))
        } else if !request.allowList.contains(hashed.sha256), size > 0, context.depth == 0 || !context.budget.isSpent {
            let scan = malwareScan(descriptor: descriptor, name: request.filename, exclusive: request.exclusive, unpackArchives: !walked)
            signatures = scan.signatures
            reasons += scan.reasons
        }

        // 9. Checksum.
        if let declared = request.declaredSHA256, declared != hashed.sha256 {
            reasons.append(Reason(.checksumMismatch, "declared \(declared), found \(hashed.sha256)"))
        }
        return Verdict(
            reasons: reasons,
            detectedType: detectedType,
            sha256: hashed.sha256,
            size: size,
            signatures: signatures + memberSignatures,
            md5: hashed.md5
        )
    }

    /// Image trailers (polyglots), markup and PDF active content, code in text.
    /// - Parameter namedCSV: The file is named or declared CSV/TSV (``isNamedCSV(filename:declaredType:)``): text is read
    ///   by the CSV rules whatever libmagic calls it.
    /// - Parameter namedMarkdown: The file is named as Markdown (``isNamedMarkdown(filename:)``).
    static func contentFindings(
        type: String,
        descriptor: Int32,
        size: Int64,
        prefix: [UInt8],
        namedCSV: Bool = false,
        namedMarkdown: Bool = false
    ) -> [Reason] {
        var reasons: [Reason] = []
        // Data after an image's end marker: a polyglot (beyond the padding cameras and tools write).
        var cursor = FileCursor(descriptor: descriptor, size: size)
        switch ImageTrailer.end(of: type, cursor: &cursor) {
        case .offset(let end) where end < size:
            if !ImageTrailer.isPadding(descriptor: descriptor, from: end, size: size) {
                reasons.append(Reason(.typeMismatch, "\(size - end) bytes follow the end of the \(type) image (a polyglot)"))
            }
        case .malformed(let why):
            reasons.append(Reason(.unscannable, "\(type) structure: \(why)"))
        default:
            break
        }
        // An image that is also a ZIP archive (its end record and directory hidden in a chunk, a comment, the pixel
        // data): what `zip://` and `phar://` readers open.
        if type.hasPrefix("image/") {
            var tail = FileCursor(descriptor: descriptor, size: size)
            switch ZipDirectory.read(&tail) {
            case .success(let directory) where !directory.entries.isEmpty:
                reasons.append(Reason(.typeMismatch, "the \(type) image is also a ZIP archive of \(directory.entries.count) entries (a polyglot)"))
            case .failure(.prepended):
                reasons.append(Reason(.typeMismatch, "the \(type) image ends with a ZIP archive's directory (a polyglot)"))
            default:
                break
            }
        }
        if type.hasPrefix("image/") {
            var metadata = FileCursor(descriptor: descriptor, size: size)
            let metadataFindings = ImageMetadata.findings(type: type, cursor: &metadata)
            reasons += metadataFindings.findings.map { Reason(.activeContent, $0) }
            if metadataFindings.incomplete {
                reasons.append(
                    Reason(
                        .unscannable,
                        "the image holds more than \(ImageMetadata.textLimit >> 20) MiB of text metadata: not all of it was inspected"
                    )
                )
            }
        }
        if !textTypes.contains(type) {
            switch RawCode.phpCode(descriptor: descriptor, size: size) {
            case .openTag: reasons.append(Reason(.activeContent, "a PHP open tag (<?php) in the file's bytes"))
            case .shortEcho: reasons.append(Reason(.activeContent, "a PHP short echo tag (<?=) followed by code PHP compiles, in the file's bytes"))
            case .shortOpenTag:
                reasons.append(
                    Reason(.activeContent, "a PHP short open tag (<?, on by PHP's default) followed by code PHP compiles, in the file's bytes")
                )
            case .unreadable: reasons.append(Reason(.unscannable, "the file's bytes could not be read to look for PHP code"))
            case .overBudget:
                reasons.append(Reason(.unscannable, "the file holds more PHP tags (<?=, <?) than its size's budget checks for code"))
            case .clean: break
            }
        }
        if MarkupActiveContent.markupTypes.contains(type) {
            reasons += markupFindings(descriptor: descriptor, size: size, prefix: prefix, svg: type == "image/svg+xml")
        }
        if type == "application/pdf" {
            reasons += pdfFindings(descriptor: descriptor, size: size, prefix: prefix)
        }
        if textTypes.contains(type) {
            reasons += textFindings(
                descriptor: descriptor,
                size: size,
                prefix: prefix,
                csv: namedCSV || type == "text/csv" || type == "text/tab-separated-values",
                markdown: namedMarkdown
            )
        }
        return reasons
    }

    /// Types whose text is checked for server-side and browser code.
    /// Scripting-language source libmagic recognizes by its words (`import`, `def`, `@echo off`). Without a `#!` line
    /// nothing runs it: it is text (a snippet pasted into notes), inspected as text for server-side and browser code.
    /// With one it is an executable script under another name, and keeps its type (refused as plain text). PHP,
    /// JavaScript and markup are never reclassified: servers and browsers run them without a `#!` line.
    static let plainSourceCodeTypes: Set<String> = [
        "text/x-script.python", "text/x-perl", "text/x-script.perl", "text/x-ruby", "text/x-script.ruby", "text/x-tcl",
        "text/x-lua", "text/x-awk", "text/x-shellscript", "application/x-sh", "text/x-msdos-batch",
    ]

    static func isPlainSourceCode(_ type: String, prefix: [UInt8]) -> Bool {
        guard plainSourceCodeTypes.contains(type) else { return false }
        let body = prefix.starts(with: [0xEF, 0xBB, 0xBF]) ? prefix.dropFirst(3) : prefix[...]
        return !body.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")])
    }

    /// Text (plain, CSV, Markdown) whose first bytes, after a UTF-8 byte-order mark, are `#!`: an executable script
    /// under another name, whatever interpreter it names (`#!/bin/dash`, `#!/usr/bin/env -S bash -x`, `#!/bin/busybox
    /// sh` are text/plain to libmagic).
    static func shebangScript(_ type: String, prefix: [UInt8]) -> Reason? {
        guard textTypes.contains(type) else { return nil }
        let body = prefix.starts(with: [0xEF, 0xBB, 0xBF]) ? prefix.dropFirst(3) : prefix[...]
        guard body.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]) else { return nil }
        let line = String(decoding: body.prefix(80).prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        return Reason(.typeMismatch, "a script with an interpreter line ('\(line)') detected as \(type)")
    }

    /// A `.csv`/`.tsv` name or a declared CSV/TSV type: a spreadsheet opens the file as CSV (libmagic calls most CSV
    /// `text/plain`, and its quoted cells then would end with their line).
    static func isNamedCSV(filename: String, declaredType: String?) -> Bool {
        let fileExtension = (FilenamePolicy.fileExtension(of: filename) ?? "").lowercased()
        let declared = declaredType.map { MediaType.essence($0).lowercased() } ?? ""
        return ["csv", "tsv"].contains(fileExtension) || ["text/csv", "text/tab-separated-values"].contains(declared)
    }

    /// A Markdown name: the file is shown through a Markdown renderer, where agreed fenced code is escaped text (the
    /// declared type does not count: the stored name decides how a server shows the file).
    static func isNamedMarkdown(filename: String) -> Bool {
        let fileExtension = (FilenamePolicy.fileExtension(of: filename) ?? "").lowercased()
        return ["md", "markdown", "mdown", "mkd", "mkdn", "mdwn"].contains(fileExtension)
    }

    static let textTypes: Set<String> = ["text/plain", "text/csv", "text/markdown", "text/x-markdown", "text/tab-separated-values"]

    /// The malware scan of one file, its detections as reasons.
    func malwareScan(descriptor: Int32, name: String, exclusive: Bool, unpackArchives: Bool) -> (reasons: [Reason], signatures: [String]) {
        do {
            let result =
                exclusive
                ? try scanner.scan(exclusive: descriptor, name: name, unpackArchives: unpackArchives)
                : try scanner.scan(descriptor: descriptor, name: name, unpackArchives: unpackArchives)
            switch result {
            case .clean:
                return ([], [])
            case .detected(let names):
                return (names.map(Self.reason(forSignature:)), names)
            }
        } catch {
            return ([Reason(.scanFailed, error.message)], [])
        }
    }

    /// Takes a member (or package part) out of the budget and extracts it into a private temporary file; `nil` when
    /// the budget does not cover it (recorded in the budget) or it cannot be extracted (its reason added).
    func extract(
        _ member: ZipDirectory.Entry,
        from descriptor: Int32,
        label: String,
        context: MemberContext,
        part: Bool,
        reasons: inout [Reason]
    ) -> ZipMember.Extracted? {
        let budget = context.budget
        guard budget.take(member: member.uncompressedSize, label: label, part: part) else { return nil }
        switch ZipMember.extract(member, from: descriptor, into: temporaryDirectory, isExpired: { budget.isSpent }) {
        case .success(let file):
            return file
        case .failure(.unsupportedMethod(let method)):
            reasons.append(Reason(.unscannable, "member \(label) uses compression method \(method), which is not unpacked"))
        case .failure(.corrupt(let why)):
            reasons.append(Reason(.unscannable, "member \(label): \(why)"))
        case .failure(.stopped):
            break  // the budget holds the reason
        case .failure(.io(let why)):
            reasons.append(Reason(.scanFailed, "member \(label): \(why)"))
        }
        return nil
    }

    /// Extracts each member of an archive and inspects it like a file, one level deeper; what cannot be extracted,
    /// lies deeper than the profile's `maxDepth`, or passes the budget is unscannable, and the walk stops there.
    func walkMembers(
        _ members: [ZipDirectory.Entry],
        of descriptor: Int32,
        request: InspectionRequest,
        context: MemberContext
    ) -> (reasons: [Reason], signatures: [String]) {
        let archives = request.profile.archives
        guard context.depth < archives.maxDepth else {
            context.budget.exceed("archives nested deeper than \(archives.maxDepth) levels are not walked (at '\(context.path)')")
            return ([], [])
        }
        var reasons: [Reason] = []
        var signatures: [String] = []
        for member in members {
            let label = "'\(context.path)\(member.name)'"
            guard !context.budget.isSpent else { break }
            guard let extracted = extract(member, from: descriptor, label: label, context: context, part: false, reasons: &reasons) else { continue }
            let name = String(member.name.split(separator: "/").last ?? "")
            var child = request
            child.path = extracted.path
            child.filename = name
            child.declaredSize = nil
            child.declaredType = nil
            child.declaredSHA256 = nil
            child.digests = nil
            child.exclusive = true  // extracted into a private temp file
            let verdict = inspectBlocking(
                child,
                context: MemberContext(budget: context.budget, depth: context.depth + 1, path: context.path + member.name + "/")
            )
            for reason in verdict.reasons {
                // Nested members already carry their full path.
                let detail = reason.detail.hasPrefix("member '") ? reason.detail : "member \(label): \(reason.detail)"
                reasons.append(Reason(reason.code, detail))
            }
            signatures += verdict.signatures.filter { !signatures.contains($0) }
        }
        return (reasons, signatures)
    }

    /// Extracts each part of an OOXML package and judges it as a part: its XML (``OOXMLParts``), SVG pictures as
    /// markup, the malware scan, and embedded OOXML packages (chart workbooks) as documents in turn, one level deeper.
    func walkParts(
        _ parts: [ZipDirectory.Entry],
        of descriptor: Int32,
        request: InspectionRequest,
        context: MemberContext
    ) -> (reasons: [Reason], signatures: [String]) {
        var reasons: [Reason] = []
        var signatures: [String] = []
        // `[Content_Types].xml` first: the parts and extensions it calls XML are judged as XML whatever they hold.
        // Then the relationship parts: the external hyperlinks they admit are judged again by what uses them.
        func rank(_ part: ZipDirectory.Entry) -> Int {
            let lowered = part.name.lowercased()
            return lowered == "[content_types].xml" ? 0 : lowered.hasSuffix(".rels") ? 1 : 2
        }
        let ordered = parts.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        var xmlTypes: (parts: Set<String>, extensions: Set<String>) = ([], [])
        var externalLinks: [String: Set<String>] = [:]  // source part (lowercased) -> its external hyperlinks' Ids
        var mediaTargets: Set<String> = []  // parts (lowercased) video, audio and media relationships lead to
        var relationships: [String: [String: Set<String>]] = [:]  // source part -> Id -> every target it may be (lowercased)
        var played: Set<String> = []  // parts (lowercased) that a playing element names, through any relationship
        var mediaProblems: [String: String] = [:]  // why a part not judged as media is no self-contained container
        for part in ordered {
            let label = "'\(context.path)\(part.name)'"
            guard !context.budget.isSpent else { break }
            guard let extracted = extract(part, from: descriptor, label: label, context: context, part: true, reasons: &reasons) else { continue }
            let size = part.uncompressedSize
            let lowered = part.name.lowercased()
            // The first 2 KiB: what LibreOffice's picture detection reads to tell a format.
            let sniff = size > 0 ? Self.read(descriptor: extracted.descriptor, count: Int(min(size, 2048))) ?? [] : []
            let head = Array(sniff.prefix(64))
            let sniffedSVG = OOXMLParts.sniffsAsSVG(sniff)
            let fileName = lowered.split(separator: "/").last ?? ""
            let fileExtension = fileName.lastIndex(of: ".").map { String(fileName[fileName.index(after: $0)...]) }
            let typedXML = xmlTypes.parts.contains("/" + lowered) || fileExtension.map { xmlTypes.extensions.contains($0) } == true
            if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
                // An OLE compound file is an embedded object (an OLE package, a legacy workbook, ActiveX or macro
                // storage) whatever its part is named or typed: LibreOffice imports one named `image9.png` behind an
                // image relationship as an OLE object (attack round 12).
                reasons.append(Reason(.activeContent, "part \(label) is an OLE compound file (an embedded object), whatever it is named or typed"))
            }
            if let encoding = OOXMLParts.unreadableXMLEncoding(head) {
                reasons.append(Reason(.activeContent, "part \(label) is XML in \(encoding), which Airlock does not read (LibreOffice's parser does)"))
            }
            if OOXMLParts.isXML(part.name) || lowered.hasSuffix(".svg") || typedXML || sniffedSVG
                || OOXMLParts.startsLikeXML(descriptor: extracted.descriptor, size: size)
            {
                let bytes: [UInt8]
                switch Self.readPart(descriptor: extracted.descriptor, size: size, label: label, as: "") {
                case .bytes(let whole): bytes = whole
                case .refused(let reason):
                    reasons.append(reason)
                    continue
                }
                if lowered == "[content_types].xml" { xmlTypes = OOXMLParts.xmlContentTypes(bytes) }
                if lowered.hasSuffix(".rels"), let source = OOXMLParts.sourcePart(ofRelationships: lowered) {
                    externalLinks[source, default: []].formUnion(OOXMLParts.externalHyperlinkIDs(bytes))
                }
                if lowered.hasSuffix(".rels"), let source = OOXMLParts.sourcePart(ofRelationships: lowered) {
                    for relationship in OOXMLParts.internalRelationships(bytes, relationshipsPart: lowered) {
                        relationships[source, default: [:]][relationship.id, default: []].insert(relationship.target)
                        if MediaContent.relationships.contains(relationship.kind) { mediaTargets.insert(relationship.target) }
                    }
                }
                for id in OOXMLParts.playedRelationshipIDs(bytes) {
                    played.formUnion(relationships[lowered]?[id] ?? [])
                }
                // Markup that is no Office XML part by name (a picture LibreOffice sniffs as SVG, attack round 16) is also
                // judged as SVG and XML.
                let asMarkup = lowered.hasSuffix(".svg") || sniffedSVG || !OOXMLParts.isXML(part.name)
                let found =
                    lowered.hasSuffix(".svg")
                    ? MarkupActiveContent.findings(in: bytes)
                    : OOXMLParts.findings(
                        partName: context.path + part.name,
                        packageName: part.name,
                        bytes: bytes,
                        externalLinks: externalLinks[lowered] ?? []
                    ) + (asMarkup ? MarkupActiveContent.findings(in: bytes) : [])
                // Bytes before a sniffed `<svg` (`\0<svg`, which also reads as UTF-16): the SVG is judged from there too.
                let svgStart = sniffedSVG ? OOXMLParts.svgTagOffset(bytes) : nil
                if let svgStart, svgStart > 0 {
                    reasons += MarkupActiveContent.findings(in: Array(bytes[svgStart...])).map { Reason(.activeContent, $0) }
                }
                reasons += found.map { Reason(.activeContent, $0) }
                reasons += OOXMLParts.certificateProblems(bytes, label: "part \(label)").map { Reason(.activeContent, $0) }
            }
            if PictureContent.isJudged(head) {
                reasons += pictureReasons(descriptor: extracted.descriptor, size: size, label: label)
            }
            // What LibreOffice plays: a self-contained container; and no part anywhere a player reads as a playlist.
            if let manifest = MediaContent.manifest(sniff) {
                reasons.append(Reason(.activeContent, "part \(label) is \(manifest), which a media player follows to the network"))
            } else if let problem = MediaContent.problem(
                head: head,
                size: size,
                read: { offset, count in
                    Self.read(descriptor: extracted.descriptor, count: count, at: offset)
                }
            ) {
                if mediaTargets.contains(lowered) || fileExtension.map({ MediaContent.extensions.contains($0) }) == true
                    || MediaContent.container(head) == .isoMedia
                {
                    reasons.append(Reason(.activeContent, "part \(label) is \(problem)"))
                } else {
                    // Judged once the whole package is read, if a playing element names it (its slide may come later).
                    mediaProblems[lowered] = "part \(label) is \(problem)"
                }
            }
            if head.starts(with: [0x1F, 0x8B]) {
                reasons += compressedPictureReasons(descriptor: extracted.descriptor, size: size, label: label, budget: context.budget)
            } else if !head.starts(with: [0x50, 0x4B, 0x03, 0x04]), Self.holdsZipEndRecord(descriptor: extracted.descriptor, size: size) {
                // A ZIP after other bytes: a ZIP reader finds it from its end record, Airlock does not walk it.
                reasons.append(Reason(.activeContent, "part \(label) holds a ZIP archive after other bytes, which Airlock does not walk"))
            }
            var isPackage = false
            // Any part that is itself a ZIP (wherever it is stored: embeddings/, media/, a renamed part) is walked as a
            // package.
            if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                isPackage = true
                guard context.depth < request.profile.archives.maxDepth else {
                    context.budget.exceed("documents embedded deeper than \(request.profile.archives.maxDepth) levels are not walked (at \(label))")
                    break
                }
                // Structure and names like any package; then its parts, one level deeper.
                let inner = ContainerInspection.inspect(
                    descriptor: extracted.descriptor,
                    size: size,
                    detectedType: "application/zip",
                    filename: part.name,
                    profile: request.profile
                )
                reasons += inner.reasons.map { Reason($0.code, "part \(label): \($0.detail)") }
                if inner.parts.isEmpty {
                    if inner.walked { reasons.append(Reason(.activeContent, "part \(label) embeds an archive that is not an Office document")) }
                } else {
                    let nested = MemberContext(budget: context.budget, depth: context.depth + 1, path: context.path + part.name + "/")
                    let walk = walkParts(inner.parts, of: extracted.descriptor, request: request, context: nested)
                    reasons += walk.reasons
                    signatures += walk.signatures.filter { !signatures.contains($0) }
                }
            }
            guard !context.budget.isSpent else { break }
            let scan = malwareScan(descriptor: extracted.descriptor, name: part.name, exclusive: true, unpackArchives: !isPackage)
            reasons += scan.reasons.map { Reason($0.code, "part \(label): \($0.detail)") }
            signatures += scan.signatures.filter { !signatures.contains($0) }
        }
        for target in played.sorted() {
            if let problem = mediaProblems[target] { reasons.append(Reason(.activeContent, "\(problem), and a slide plays it")) }
        }
        return (reasons, signatures)
    }

    /// A gzip-compressed part (SVGZ, EMZ, WMZ): LibreOffice inflates a picture and sniffs what it holds, so an SVG
    /// behind any name and type is loaded with its links (attack round 16). Inflated whole within the upload's budget,
    /// it must hold SVG (judged as markup) or a metafile; anything else, or a stream that does not inflate whole
    /// (damaged, cut short, bytes after it), is unscannable.
    func compressedPictureReasons(descriptor: Int32, size: Int64, label: String, budget: InspectionBudget) -> [Reason] {
        let bytes: [UInt8]
        switch Self.readPart(descriptor: descriptor, size: size, label: label, as: "gzip-compressed and ") {
        case .bytes(let whole): bytes = whole
        case .refused(let reason): return [reason]
        }
        let limit = min(Self.markupLimit, budget.bytes)
        let inflater = Inflater(format: .gzip, limit: limit)
        var inflated: [UInt8] = []
        let status = bytes.withUnsafeBytes { chunk in
            inflater.feed(chunk) { output in
                inflated.append(contentsOf: output)
                return true
            }
        }
        let why: String?
        switch status {
        case .finished: why = inflater.unusedInput == 0 ? nil : "bytes follow its gzip stream"
        case .needsInput: why = "its gzip stream ends early"
        case .corrupt(let detail): why = "its gzip stream is damaged (\(detail))"
        case .limitExceeded, .stopped:
            guard limit == Self.markupLimit else {
                budget.exceed("archive members inflate past \(budget.maxTotalSize) bytes at all levels together (at \(label))")
                return []
            }
            why = "it inflates past \(Self.markupLimit >> 20) MiB"
        }
        if let why { return [Reason(.unscannable, "part \(label) is gzip-compressed and cannot be read whole: \(why)")] }
        guard budget.take(inflated: Int64(inflated.count), label: label) else { return [] }
        if OOXMLParts.sniffsAsSVG(inflated) || inflated.first == UInt8(ascii: "<") || inflated.starts(with: [0xEF, 0xBB, 0xBF]) {
            return MarkupActiveContent.findings(in: inflated).map { Reason(.activeContent, "part \(label), gzip-compressed: \($0)") }
        }
        guard PictureContent.isEMF(inflated) || PictureContent.isWMF(inflated) else {
            return [Reason(.unscannable, "part \(label) is gzip-compressed and holds neither SVG nor a metafile")]
        }
        return PictureContent.problem(inflated).map { [Reason(.activeContent, "part \(label), gzip-compressed, holds \($0)")] } ?? []
    }

    /// A part whose bytes are PostScript, a StarView or a Windows metafile, judged by ``PictureContent`` whatever it
    /// is named or typed (LibreOffice's picture detection reads the bytes).
    func pictureReasons(descriptor: Int32, size: Int64, label: String) -> [Reason] {
        switch Self.readPart(descriptor: descriptor, size: size, label: label, as: "a metafile ") {
        case .bytes(let bytes): return PictureContent.problem(bytes).map { [Reason(.activeContent, "part \(label) holds \($0)")] } ?? []
        case .refused(let reason): return [reason]
        }
    }

    /// A part read whole, or why not.
    enum WholePart {
        case bytes([UInt8])
        case refused(Reason)
    }

    /// A part read whole, up to ``markupLimit`` (past it `unscannable`: "part 'x' is `kind`larger than 16 MiB").
    static func readPart(descriptor: Int32, size: Int64, label: String, as kind: String) -> WholePart {
        guard size <= markupLimit else { return .refused(Reason(.unscannable, "part \(label) is \(kind)larger than \(markupLimit >> 20) MiB")) }
        guard let bytes = read(descriptor: descriptor, count: Int(size)) else {
            return .refused(Reason(.scanFailed, "part \(label) cannot be read back"))
        }
        return .bytes(bytes)
    }

    /// Whether a ZIP end-of-central-directory signature stands in the part's last 64 KiB and 22 bytes, where ZIP
    /// readers look for one.
    static func holdsZipEndRecord(descriptor: Int32, size: Int64) -> Bool {
        let window = min(size, 65_557)
        guard window >= 22, let tail = read(descriptor: descriptor, count: Int(window), at: size - window) else { return false }
        return (0...(tail.count - 4)).contains { tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06 }
    }

    /// Markup is read whole up to this size; larger markup is unscannable.
    static let markupLimit: Int64 = 16 << 20

    /// - Parameter prefix: The file's first bytes from the hashing pass: the whole file when it is that small, so it is
    ///   not read again.
    /// - Parameter svg: The file is typed `image/svg+xml`: it must also be an SVG image (its root `svg` in the SVG
    ///   namespace), or it is a type mismatch.
    static func markupFindings(descriptor: Int32, size: Int64, prefix: [UInt8], svg: Bool = false) -> [Reason] {
        guard size <= markupLimit else { return [Reason(.unscannable, "markup larger than \(markupLimit >> 20) MiB is not walked")] }
        guard let bytes = readWhole(descriptor: descriptor, size: size, prefix: prefix) else {
            return [Reason(.scanFailed, "reading the markup failed")]
        }
        var reasons = markupFindings(in: bytes).map { Reason(.activeContent, $0) }
        if let control = notTextThroughout(bytes) { reasons.append(control) }
        if svg, let problem = MarkupActiveContent.svgRootProblem(in: bytes) {
            reasons.append(Reason(.typeMismatch, "detected as image/svg+xml, but \(problem)"))
        }
        return reasons
    }

    /// Browser code in markup, and ASP/JSP/ERB blocks and SSI directives, which run wherever a server includes the
    /// file, SVG and XML too (PHP is looked for in the raw bytes of every non-text file, where `<?xml-stylesheet` is
    /// told apart).
    static func markupFindings(in bytes: [UInt8]) -> [String] {
        let serverSide = TextActiveContent.serverSideFindings(bytes).filter { !$0.contains("PHP") }
        return Array((MarkupActiveContent.findings(in: bytes) + serverSide).prefix(5))
    }

    /// Server-side and browser code in text: PHP, ASP and JSP delimiters, SSI directives, HTML or HTA with script.
    static func textFindings(descriptor: Int32, size: Int64, prefix: [UInt8], csv: Bool = false, markdown: Bool = false) -> [Reason] {
        guard size <= markupLimit else { return [Reason(.unscannable, "text larger than \(markupLimit >> 20) MiB is not read for code")] }
        guard let bytes = readWhole(descriptor: descriptor, size: size, prefix: prefix) else {
            return [Reason(.scanFailed, "reading the text failed")]
        }
        return TextActiveContent.findings(in: bytes, csv: csv, markdown: markdown).map { Reason(.activeContent, $0) }
            + [notTextThroughout(bytes)].compactMap { $0 }
    }

    /// A file libmagic calls text (from its first ``MagicDetector/prefixBytes``) must be text to its end: a control
    /// character text may not hold anywhere (``TextActiveContent/forbiddenControl(in:)``) is a type mismatch.
    /// UTF-16 and UTF-32 text (by its byte-order mark) is judged as the characters it encodes.
    static func notTextThroughout(_ bytes: [UInt8]) -> Reason? {
        guard let (offset, byte) = TextActiveContent.forbiddenControl(in: MarkupActiveContent.utf8Text(bytes)) else { return nil }
        let code = String(byte, radix: 16, uppercase: true)
        return Reason(
            .typeMismatch,
            "detected as text, but it holds the control character U+\(String(repeating: "0", count: 4 - code.count) + code) (at byte \(offset) of its text; consumers delete such bytes or read them differently)"
        )
    }

    static func pdfFindings(descriptor: Int32, size: Int64, prefix: [UInt8]) -> [Reason] {
        guard size <= PDFActiveContent.sizeLimit else {
            return [Reason(.unscannable, "a PDF larger than \(PDFActiveContent.sizeLimit >> 20) MiB is not walked")]
        }
        guard let bytes = readWhole(descriptor: descriptor, size: size, prefix: prefix) else {
            return [Reason(.scanFailed, "reading the PDF failed")]
        }
        let findings = PDFActiveContent.findings(in: bytes)
        return findings.active.map { Reason(.activeContent, "PDF: \($0)") } + findings.unscannable.map { Reason(.unscannable, "PDF: \($0)") }
    }

    /// The whole file: `prefix` itself when it already holds every byte.
    static func readWhole(descriptor: Int32, size: Int64, prefix: [UInt8]) -> [UInt8]? {
        Int64(prefix.count) == size ? prefix : read(descriptor: descriptor, count: Int(size))
    }

    /// `count` bytes of the file from `offset` (its first ones by default), or nil when it cannot be read or ends sooner.
    static func read(descriptor: Int32, count: Int, at offset: Int64 = 0) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return nil }
            filled += result
        }
        return bytes
    }

    /// ClamAV's heuristic names for what it could not see become `unscannable`; macros are active content; anything
    /// else is malware.
    static func reason(forSignature name: String) -> Reason {
        if name.hasPrefix("Heuristics.Limits.Exceeded") || name.hasPrefix("Heuristics.Encrypted") || name.hasPrefix("Heuristics.Broken") {
            return Reason(.unscannable, name)
        }
        if name.hasPrefix("Heuristics.OLE2.ContainsMacros") {
            return Reason(.activeContent, name)
        }
        return Reason(.malware, name)
    }

    /// SHA-256 of the whole file (lowercase hex), its first `prefix` bytes and, when asked, its MD5; read with pread
    /// in 1 MiB chunks.
    static func hash(
        descriptor: Int32,
        size: Int64,
        prefix: Int,
        md5: Bool = false
    ) throws(InspectionError) -> (sha256: String, prefix: [UInt8], md5: String?) {
        var hasher = SHA256()
        var md5Hasher = md5 ? Insecure.MD5() : nil
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: Int(min(max(size, 4096), 1 << 20)))
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw InspectionError(.io, "reading the file failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes {
                let chunk = UnsafeRawBufferPointer(rebasing: $0[0..<count])
                hasher.update(bufferPointer: chunk)
                md5Hasher?.update(bufferPointer: chunk)
            }
            if head.count < prefix { head += buffer[0..<min(count, prefix - head.count)] }
            offset += off_t(count)
        }
        // Through the digests' bytes: iterating a digest as a sequence costs microseconds.
        return (
            hasher.finalize().withUnsafeBytes { Hex.lowercase($0) }, head,
            md5Hasher.map { $0.finalize().withUnsafeBytes { Hex.lowercase($0) } }
        )
    }
}
