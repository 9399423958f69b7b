/// URLs that carry credentials (a webhook's userinfo, a token in its path or query) shown without them: configuration
/// output, pages, logs and errors print the mask, never the URL.
public enum RedactedURL {
    /// Scheme and host only: `https://user:pw@hooks.example.com:8443/T0/B1?token=x` → `https://hooks.example.com:8443/…`.
    /// What does not parse as `scheme://authority…` is `***`.
    public static func mask(_ url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return url.isEmpty ? "" : "***" }
        let scheme = url[..<separator.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else { return "***" }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        guard !host.isEmpty, host.allSatisfy({ ($0.asciiValue ?? 0) > 0x20 && $0 != "\\" }) else { return "***" }
        let hidden = rest.count > authority.count && rest.dropFirst(authority.count) != "/"
        return "\(scheme)://\(host)\(hidden ? "/…" : "")"
    }

    /// `text` with `url`, and each secret part of it (userinfo, path, query), replaced: for error texts that may quote it.
    public static func scrub(_ text: String, hiding url: String) -> String {
        guard !url.isEmpty else { return text }
        var result = text.replacing(url, with: mask(url))
        guard let separator = url.firstRange(of: "://") else { return result }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var secrets: [Substring] = []
        if let at = authority.lastIndex(of: "@") { secrets.append(authority[..<at]) }
        let tail = rest.dropFirst(authority.count)
        if tail.count > 1 { secrets.append(tail) }
        for secret in secrets where secret.count >= 3 { result = result.replacing(secret, with: "…") }
        return result
    }
}
