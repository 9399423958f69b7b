public import AirlockCore
public import SigV4

/// Presigned GETs that force a download under a safe name: processed files for their owners, quarantined samples for
/// reviewers.
public struct DownloadSigner: Sendable {
    let presigner: Presigner

    /// - Parameters:
    ///   - presigner: Signs for the endpoint clients reach.
    public init(presigner: Presigner) {
        self.presigner = presigner
    }

    /// A short-lived GET forcing a download under the safe name (RFC 5987 `filename*`).
    public func download(
        _ object: ObjectRef,
        filename: String,
        contentType: String,
        expiresSeconds: Int,
        now: EpochMillis
    ) throws(SigV4Error) -> (url: String, expiresAt: String) {
        let time = SigningTime(secondsSinceEpoch: Int(now / 1000))
        let url = try presigner.presign(
            .init(
                method: .get,
                bucket: object.bucket,
                key: object.key,
                expires: expiresSeconds,
                query: [("response-content-disposition", Self.attachment(filename)), ("response-content-type", contentType)]
            ),
            at: time
        )
        return (url.url, url.expiresAt.iso8601)
    }

    /// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`.
    static func attachment(_ name: String) -> String {
        let fallback = String(
            name.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar.value != 0x7F ? Character(scalar) : "_"
            }
        )
        let encoded = URIEncoding.encode(name, keepSlash: false)
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }
}
