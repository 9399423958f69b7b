public import AirlockCore

/// The JSON shapes of an upload that the API and `airlock quarantine` print alike (docs/api.md).
public enum UploadJSON {
    /// `GET /v1/files/{id}`: what an owner (or a reviewer) sees of an upload.
    public static func file(_ upload: Upload) -> JSONText {
        .object([
            ("id", .string(upload.id.rawValue)), ("state", .string(upload.state.rawValue)), ("filename", .string(upload.safeName)),
            ("size", .int(Int(upload.size ?? upload.declaredSize))), ("declaredType", .string(upload.declaredType)),
            ("detectedType", upload.detectedType.map(JSONText.string) ?? .null), ("sha256", upload.sha256.map(JSONText.string) ?? .null),
            ("outcome", upload.outcome.map { .string($0.rawValue) } ?? .null),
            ("reasons", .array(upload.reasons.map { .object([("code", .string($0.code.rawValue)), ("detail", .string($0.detail))]) })),
            ("flags", .array(upload.flags.map { .string($0.rawValue) })), ("createdAt", .string(Timestamp.iso8601(upload.createdAt))),
            ("updatedAt", .string(Timestamp.iso8601(upload.updatedAt))),
        ])
    }

    /// A quarantined upload as reviewers see it (`/v1/quarantine`, `airlock quarantine list`): the file and its owner.
    public static func quarantined(_ upload: Upload) -> JSONText {
        var fields: [(String, JSONText)] = []
        if case .object(let file) = file(upload) { fields = file }
        fields += [
            ("owner", .string(upload.owner)), ("profile", .string(upload.profile)), ("originalKey", upload.originalKey.map(JSONText.string) ?? .null),
        ]
        return .object(fields)
    }
}
