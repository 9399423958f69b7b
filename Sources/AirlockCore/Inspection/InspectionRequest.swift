/// What is known about a file before its bytes are read.
public struct InspectionRequest: Sendable {
    /// A local file (the worker's private temp file, or the operator's file for `airlock scan`).
    public var path: String
    /// The client's filename.
    public var filename: String
    public var declaredSize: Int64?
    public var declaredType: String?
    /// Lowercase hex.
    public var declaredSHA256: String?
    public var profile: UploadProfile
    /// SHA-256 values (lowercase hex) of bytes that are malware whatever the scanner says.
    public var denyList: Set<String>
    /// SHA-256 values of bytes a reviewer trusted: no malware scan, every other check still runs.
    public var allowList: Set<String>
    /// Also compute the file's MD5 in the hashing pass (``Verdict/md5``).
    public var computeMD5: Bool
    /// No other process writes the file while it is inspected (the worker's private copy, never an operator's file):
    /// the scanner may read it through a read-only memory map, which a concurrent truncation would turn into SIGBUS.
    public var exclusive: Bool
    /// The file's digests, when whoever wrote it computed them on the way (the worker hashes its download): the
    /// inspection then reads only the first bytes instead of the whole file. Ignored unless the size matches.
    public var digests: FileDigests?

    public init(
        path: String,
        filename: String,
        declaredSize: Int64? = nil,
        declaredType: String? = nil,
        declaredSHA256: String? = nil,
        profile: UploadProfile,
        denyList: Set<String> = [],
        allowList: Set<String> = [],
        computeMD5: Bool = false,
        exclusive: Bool = false,
        digests: FileDigests? = nil
    ) {
        self.computeMD5 = computeMD5
        self.exclusive = exclusive
        self.digests = digests
        self.path = path
        self.filename = filename
        self.declaredSize = declaredSize
        self.declaredType = declaredType
        self.declaredSHA256 = declaredSHA256.map { $0.lowercased() }
        self.profile = profile
        self.denyList = denyList
        self.allowList = allowList
    }
}

/// SHA-256 and MD5 (lowercase hex) of a file of `size` bytes.
public struct FileDigests: Sendable, Hashable, Codable {
    public var size: Int64
    public var sha256: String
    public var md5: String

    public init(size: Int64, sha256: String, md5: String) {
        self.size = size
        self.sha256 = sha256
        self.md5 = md5
    }
}

/// Inspects local files (docs/inspection.md, "Order"): the worker's port to the inspection adapter.
public protocol FileInspector: Sendable {
    func inspect(_ request: InspectionRequest) async -> Verdict
    /// The verdicts of `requests`, in their order, at most `concurrency` inspected at once (`airlock scan`).
    func inspectAll(_ requests: [InspectionRequest], concurrency: Int) async -> [Verdict]
}

extension FileInspector {
    /// One ``inspect(_:)`` per request, `concurrency` at a time.
    public func inspectAll(_ requests: [InspectionRequest], concurrency: Int) async -> [Verdict] {
        var results = [Verdict?](repeating: nil, count: requests.count)
        await withTaskGroup(of: (Int, Verdict).self) { group in
            var next = 0
            for _ in 0..<min(max(1, concurrency), requests.count) {
                let index = next
                group.addTask { (index, await self.inspect(requests[index])) }
                next += 1
            }
            for await (index, verdict) in group {
                results[index] = verdict
                if next < requests.count {
                    let index = next
                    group.addTask { (index, await self.inspect(requests[index])) }
                    next += 1
                }
            }
        }
        return results.map { $0! }
    }
}
