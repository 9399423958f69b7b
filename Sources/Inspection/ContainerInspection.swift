import AirlockCore

/// Checks of ZIP-based files that need only the central directory: OOXML documents (recognized even when libmagic
/// says `application/zip`, docs/inspection.md), their macro and embedding parts, and archive structure and member names.
enum ContainerInspection {
    static let ooxmlTypes: [String: (mainPart: String, type: String)] = [
        "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ]

    static func isZipBased(_ type: String) -> Bool {
        type == "application/zip" || type.hasPrefix("application/vnd.openxmlformats-officedocument.")
    }

    struct Result {
        var reasons: [Reason] = []
        /// The OOXML type when libmagic said `application/zip` but the parts say otherwise.
        var refinedType: String?
        /// Members of a plain archive the profile accepts: the inspector extracts and inspects each like a file.
        var members: [ZipDirectory.Entry] = []
        /// Parts of an OOXML package: the inspector extracts each and judges it as a part (``OOXMLParts``, the
        /// malware scan, embedded packages in turn).
        var parts: [ZipDirectory.Entry] = []
        /// The directory was read: Airlock takes this file apart itself, so the malware scanner must not unpack it
        /// again.
        var walked = false
    }

    static func inspect(descriptor: Int32, size: Int64, detectedType: String, filename: String, profile: UploadProfile) -> Result {
        var result = Result()
        var cursor = FileCursor(descriptor: descriptor, size: size)
        let directory: ZipDirectory
        switch ZipDirectory.read(&cursor) {
        case .failure(.malformed(let why)):
            result.reasons.append(Reason(.unscannable, "ZIP structure: \(why)"))
            return result
        case .failure(.prepended(let bytes)):
            result.reasons.append(
                Reason(.unscannable, "several archives or central directories in one file (\(bytes) bytes before the last archive)")
            )
            return result
        case .success(let read):
            directory = read
            result.walked = true
        }
        if directory.endRecords > 1 || directory.unaccountedBytes > 0 {
            result.reasons.append(
                Reason(
                    .unscannable,
                    "several archives or central directories in one file (\(directory.unaccountedBytes) bytes outside the listed entries)"
                )
            )
        }
        if directory.overlapping { result.reasons.append(Reason(.unscannable, "entries overlap (a zip bomb technique)")) }
        if directory.usesZip64 {
            result.reasons.append(Reason(.unscannable, "ZIP64 members: ClamAV never unpacks them (Cisco-Talos/clamav#1527)"))
        }
        if let encrypted = directory.entries.first(where: \.isEncrypted) {
            result.reasons.append(Reason(.unscannable, "encrypted member '\(encrypted.name)'"))
        }
        var seen: Set<String> = []
        for entry in directory.entries {
            // Every name an extractor may write the member under (its own, a Unicode Path field's) is judged.
            for name in entry.allNames {
                var named = entry
                named.name = name
                if name != entry.name { named.nameBytes = Array(name.utf8) }
                if let problem = ZipDirectory.nameProblem(named) {
                    result.reasons.append(Reason(.filenameInvalid, "archive member \(problem)"))
                }
            }
            // Two members one extractor writes to the same path: which one a reader sees depends on the reader
            // (CVE-2013-4787), and case-insensitive file systems merge names that differ only in case.
            for path in Set(entry.allNames.map(Self.normalizedPath)) where !seen.insert(path).inserted {
                result.reasons.append(
                    Reason(.unscannable, "two members are named '\(path)' (ignoring case): readers disagree on which one counts")
                )
            }
            if entry.isSymbolicLink {
                result.reasons.append(Reason(.activeContent, "member '\(entry.name)' is a symbolic link: extracting it makes a link to another file"))
            }
            if let disagreement = entry.localDisagreement {
                result.reasons.append(Reason(.unscannable, "member '\(entry.name)': \(disagreement): readers disagree on how to unpack it"))
            }
            if let local = entry.localName {
                result.reasons.append(
                    Reason(
                        .unscannable,
                        "member '\(entry.name)' is named '\(String(decoding: local, as: UTF8.self))' in its local header: readers disagree on which name counts"
                    )
                )
            }
        }
        let names = Set(directory.entries.map { $0.name.lowercased() })
        let fileExtension = FilenamePolicy.fileExtension(of: filename) ?? ""
        let packageParts = directory.entries.filter { !$0.isDirectory }
        if let ooxml = ooxmlTypes[fileExtension], names.contains("[content_types].xml"), names.contains(ooxml.mainPart) {
            // Recognized by its parts whatever libmagic said (zip, octet-stream, another OOXML type).
            if detectedType != ooxml.type { result.refinedType = ooxml.type }
            result.reasons += Self.odfMarkers(names)
            result.reasons += ooxmlActiveParts(directory.entries)
            result.parts = packageParts
            return result
        }
        // A package only when the name or libmagic says Office: a plain archive that merely holds a
        // `[Content_Types].xml` is walked member by member like any other (the type check refuses an OOXML document
        // named .zip).
        if detectedType.hasPrefix("application/vnd.openxmlformats-officedocument.") {
            result.reasons += Self.odfMarkers(names)
            result.reasons += ooxmlActiveParts(directory.entries)
            result.parts = packageParts
            return result
        }
        // A plain archive: only when the profile accepts archives. The type check refuses it otherwise; a profile
        // that admits the type but does not walk archives cannot pass it unseen (configuration refuses such a
        // profile too).
        guard profile.archives.allowed else {
            if profile.allowedTypes.contains(where: { MediaType.isCompatible(detected: detectedType, allowed: $0) }) {
                result.reasons.append(Reason(.unscannable, "profile '\(profile.name)' admits \(detectedType) but does not walk archive members"))
            }
            return result
        }
        let files = directory.entries.filter { !$0.isDirectory }
        if files.count > profile.archives.maxEntries {
            result.reasons.append(
                Reason(.unscannable, "\(files.count) entries; profile '\(profile.name)' walks at most \(profile.archives.maxEntries)")
            )
        }
        let total = files.reduce(Int64(0)) { $0 + max(0, $1.uncompressedSize) }
        if total > profile.archives.maxTotalSize {
            result.reasons.append(
                Reason(.unscannable, "\(total) bytes uncompressed; profile '\(profile.name)' allows \(profile.archives.maxTotalSize)")
            )
        }
        for entry in files {
            for name in entry.allNames {
                let memberExtension = FilenamePolicy.fileExtension(of: String(name.split(separator: "/").last ?? ""))
                if memberExtension.flatMap({ profile.allowedTypes(forExtension: $0) }) == nil {
                    result.reasons.append(
                        Reason(.archiveMemberNotAllowed, name == entry.name ? "'\(name)'" : "'\(entry.name)' (extracted as '\(name)')")
                    )
                }
            }
        }
        result.members = files.filter { !$0.isEncrypted }
        return result
    }

    /// A member path as extractors write it: lowercased (case-insensitive file systems), `.` and empty segments
    /// dropped (`./a.txt`, `docs//a.txt` and `docs/./a.txt` are `a.txt` and `docs/a.txt`).
    static func normalizedPath(_ name: String) -> String {
        name.lowercased().split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
    }

    /// Embedded parts that are not objects: pictures, and OOXML packages (chart workbooks), which are walked as
    /// documents in turn.
    static let embeddedKinds = [
        ".png", ".jpeg", ".jpg", ".emf", ".wmf", ".gif", ".tif", ".tiff", ".svg", ".xlsx", ".docx", ".pptx", ".xlsm", ".docm", ".pptm",
    ]

    /// An OOXML package must be only that: one that also holds an OpenDocument package's `mimetype`, manifest or
    /// `content.xml` is another format to LibreOffice, which opens it as OpenDocument, parts Airlock does not judge
    /// as such (attack round 9: a spreadsheet named `.xlsx` with a dummy `xl/workbook.xml` fetched a linked image).
    static func odfMarkers(_ names: Set<String>) -> [Reason] {
        let markers = ["mimetype", "meta-inf/manifest.xml", "content.xml"].filter { names.contains($0) }
        guard !markers.isEmpty else { return [] }
        return [
            Reason(
                .typeMismatch,
                "the package is OOXML and also OpenDocument (\(markers.joined(separator: ", "))): readers open it as different formats"
            )
        ]
    }

    /// VBA projects, ActiveX controls, Excel 4 macro sheets and embedded OLE objects in an OOXML package.
    static func ooxmlActiveParts(_ entries: [ZipDirectory.Entry]) -> [Reason] {
        var reasons: [Reason] = []
        for entry in entries {
            let name = entry.name.lowercased()
            if name.hasSuffix("vbaproject.bin") || name.hasSuffix("vbadata.xml") {
                reasons.append(Reason(.activeContent, "a VBA macro project ('\(entry.name)')"))
            } else if name.contains("/activex/") {
                reasons.append(Reason(.activeContent, "an ActiveX control ('\(entry.name)')"))
            } else if name.contains("/macrosheets/") {
                reasons.append(Reason(.activeContent, "an Excel 4 macro sheet ('\(entry.name)')"))
            } else if name.contains("/embeddings/"), !embeddedKinds.contains(where: { name.hasSuffix($0) }) {
                reasons.append(Reason(.activeContent, "an embedded object ('\(entry.name)')"))
            }
        }
        return reasons
    }
}
