/// The profile checks that need no bytes (docs/inspection.md, "Order"): at request time they stop an upload before it
/// starts; the worker runs them again with what it found.
public enum ProfilePolicy {
    /// Filename, extension, declared size and declared type against the profile.
    public static func checkDeclaration(filename: String, declaredSize: Int64?, declaredType: String?, profile: UploadProfile) -> [Reason] {
        var reasons: [Reason] = []
        if let problem = FilenamePolicy.problem(with: filename) {
            reasons.append(problem)
        }
        let fileExtension = FilenamePolicy.fileExtension(of: filename)
        let allowedForExtension = fileExtension.flatMap { profile.allowedTypes(forExtension: $0) }
        if allowedForExtension == nil {
            reasons.append(
                Reason(
                    .extensionNotAllowed,
                    fileExtension.map { "'.\($0)' is not allowed by profile '\(profile.name)'" } ?? "the filename has no extension"
                )
            )
        }
        if let declaredSize {
            reasons += checkSize(size: declaredSize, declaredSize: nil, profile: profile)
        }
        if let declaredType, let allowedForExtension {
            if let reason = typeReason(
                type: declaredType,
                allowedForExtension: allowedForExtension,
                fileExtension: fileExtension ?? "",
                profile: profile,
                subject: "declared type"
            ) {
                reasons.append(reason)
            }
        }
        return reasons
    }

    /// The size of the bytes against the profile's limit and the declared size.
    public static func checkSize(size: Int64, declaredSize: Int64?, profile: UploadProfile) -> [Reason] {
        var reasons: [Reason] = []
        if size == 0 {
            reasons.append(Reason(.empty, "the file is empty"))
        } else if size < 0 {
            reasons.append(Reason(.sizeMismatch, "a negative size (\(size))"))
        }
        if size > profile.maxSize {
            reasons.append(Reason(.sizeExceeded, "\(size) bytes; profile '\(profile.name)' allows \(profile.maxSize)"))
        }
        if let declaredSize, declaredSize != size {
            reasons.append(Reason(.sizeMismatch, "declared \(declaredSize) bytes, found \(size)"))
        }
        return reasons
    }

    /// The detected type against the extension's allowed types and the declared type.
    public static func checkType(detected: String, filename: String, declaredType: String?, profile: UploadProfile) -> [Reason] {
        var reasons: [Reason] = []
        let fileExtension = FilenamePolicy.fileExtension(of: filename) ?? ""
        let allowedForExtension = profile.allowedTypes(forExtension: fileExtension) ?? []
        if let reason = typeReason(
            type: detected,
            allowedForExtension: allowedForExtension,
            fileExtension: fileExtension,
            profile: profile,
            subject: "detected type"
        ) {
            reasons.append(reason)
        }
        if let declaredType,
            !MediaType.isCompatible(detected: detected, allowed: declaredType),
            !MediaType.isCompatible(detected: declaredType, allowed: detected)
        {
            reasons.append(Reason(.typeMismatch, "declared \(MediaType.essence(declaredType)), detected \(MediaType.essence(detected))"))
        }
        return reasons
    }

    /// `type_mismatch` when the type is allowed for another extension, `type_not_allowed` when for none.
    static func typeReason(type: String, allowedForExtension: [String], fileExtension: String, profile: UploadProfile, subject: String) -> Reason? {
        if allowedForExtension.contains(where: { MediaType.isCompatible(detected: type, allowed: $0) }) { return nil }
        let essence = MediaType.essence(type)
        if profile.allowedTypes.contains(where: { MediaType.isCompatible(detected: type, allowed: $0) }) {
            let expected = allowedForExtension.isEmpty ? "nothing" : allowedForExtension.joined(separator: ", ")
            return Reason(.typeMismatch, "\(subject) \(essence) is not allowed for '.\(fileExtension)' (allowed: \(expected))")
        }
        return Reason(.typeNotAllowed, "\(subject) \(essence) is not allowed by profile '\(profile.name)'")
    }
}
