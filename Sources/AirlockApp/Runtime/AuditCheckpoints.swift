public import AirlockCore
public import Configuration
import Foundation
import Logging
import Pipeline
import Review
import ServiceLifecycle

/// Where the audit chain's checkpoints are kept, outside the catalog (`audit.checkpoints`).
public struct AuditCheckpointSettings: Sendable {
    public var place: BucketPrefix
    public var interval: ConfigDuration

    init(place: BucketPrefix, interval: ConfigDuration) {
        self.place = place
        self.interval = interval
    }

    /// Reads the section from a reader scoped to `audit`.
    ///
    /// - Configuration keys:
    ///   - `checkpoints.bucket` (default: the quarantine bucket), `checkpoints.prefix` (default `airlock-audit/`; a
    ///     prefix of its own, ending in `/`).
    ///   - `checkpoints.interval` (duration, default `1m`): how often the head is checkpointed when it moved.
    public init(reader: ConfigReader, layout: ObjectLayout) throws(AirlockError) {
        let bucket = reader.string(forKey: "checkpoints.bucket") ?? layout.quarantine.bucket
        let prefix = reader.string(forKey: "checkpoints.prefix") ?? "airlock-audit/"
        guard !prefix.isEmpty, prefix.hasSuffix("/"), !prefix.hasPrefix("/") else {
            throw AirlockError(.invalidConfig, "audit.checkpoints.prefix must be a non-empty prefix ending in '/'")
        }
        for area in [layout.incoming, layout.processed]
        where area.bucket == bucket && (prefix.hasPrefix(area.prefix) || area.prefix.hasPrefix(prefix)) {
            throw AirlockError(.invalidConfig, "audit.checkpoints.prefix '\(prefix)' overlaps an upload area in bucket '\(bucket)'")
        }
        if layout.quarantine.bucket == bucket, !layout.quarantine.prefix.isEmpty,
            prefix.hasPrefix(layout.quarantine.prefix) || layout.quarantine.prefix.hasPrefix(prefix)
        {
            throw AirlockError(.invalidConfig, "audit.checkpoints.prefix '\(prefix)' overlaps buckets.quarantine.prefix in bucket '\(bucket)'")
        }
        place = BucketPrefix(bucket: bucket, prefix: prefix)
        interval = try reader.duration("checkpoints.interval", in: "audit", default: .minutes(1))
        guard interval.milliseconds >= 100 else { throw AirlockError(.invalidConfig, "audit.checkpoints.interval must be at least 100ms") }
    }
}

/// The chain's head at one moment: its sequence number and its hash (the head's MAC once `audit.key` is set).
public struct AuditCheckpoint: Sendable, Equatable {
    public var sequence: Int64
    public var head: String
    public var at: EpochMillis

    /// - Parameters:
    ///   - sequence: The head entry's sequence number.
    ///   - head: The head entry's hash.
    ///   - at: When the checkpoint was taken.
    public init(sequence: Int64, head: String, at: EpochMillis) {
        self.sequence = sequence
        self.head = head
        self.at = at
    }

    /// `<prefix><sequence, 20 digits>.json`: key order is sequence order.
    func key(in place: BucketPrefix) -> String {
        let digits = String(sequence)
        return place.prefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".json"
    }

    var json: String {
        JSONText.object([("sequence", .int(Int(sequence))), ("head", .string(head)), ("at", .string(Timestamp.iso8601(at)))]).rendered
    }

    static func parse(_ bytes: [UInt8]) -> AuditCheckpoint? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], let sequence = object["sequence"] as? Int,
            let head = object["head"] as? String, let at = (object["at"] as? String).flatMap(Timestamp.parse)
        else { return nil }
        return AuditCheckpoint(sequence: Int64(sequence), head: head, at: at)
    }

    /// Writes it as an object of its own (never over another: each sequence has its key).
    func write(to store: any ObjectStore, place: BucketPrefix, temporaryDirectory: String) async throws {
        guard let file = OpenFile.privateTemporary(in: temporaryDirectory) else {
            throw AirlockError(.storage, "no temporary file for the audit checkpoint")
        }
        let bytes = Array(json.utf8)
        let written = bytes.withUnsafeBytes { pwrite(file.descriptor, $0.baseAddress, bytes.count, 0) }
        guard written == bytes.count else { throw AirlockError(.storage, "writing the audit checkpoint's temporary file failed") }
        try await store.upload(
            from: file.descriptor,
            size: Int64(bytes.count),
            to: ObjectRef(bucket: place.bucket, key: key(in: place)),
            contentType: "application/json",
            metadata: [],
            md5: nil,
            sha256: nil
        )
    }

    /// The keys of every checkpoint under `place`, in sequence order.
    static func keys(in store: any ObjectStore, place: BucketPrefix) async throws -> [String] {
        var keys: [String] = []
        var after: String?
        while true {
            let page = try await store.list(bucket: place.bucket, prefix: place.prefix, startAfter: after, limit: 1000)
            keys += page.objects.map(\.key).filter { $0.hasSuffix(".json") }
            guard page.more, let last = page.objects.last else { return keys }
            after = last.key
        }
    }

    /// The checkpoint stored at `key`.
    static func read(_ key: String, in store: any ObjectStore, place: BucketPrefix, temporaryDirectory: String) async throws -> AuditCheckpoint {
        guard let file = OpenFile.privateTemporary(in: temporaryDirectory) else {
            throw AirlockError(.storage, "no temporary file to read the audit checkpoint")
        }
        let info = try await store.download(ObjectRef(bucket: place.bucket, key: key), ifMatch: nil, to: file.descriptor)
        guard info.size <= 4096 else { throw AirlockError(.storage, "the audit checkpoint \(key) is not one") }
        var bytes = [UInt8](repeating: 0, count: Int(info.size))
        let read = bytes.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, Int(info.size), 0) }
        guard read == Int(info.size), let checkpoint = parse(bytes) else {
            throw AirlockError(.storage, "the audit checkpoint \(key) cannot be read")
        }
        return checkpoint
    }

    /// The newest checkpoint under `place`, if any.
    static func latest(in store: any ObjectStore, place: BucketPrefix, temporaryDirectory: String) async throws -> AuditCheckpoint? {
        guard let newest = try await keys(in: store, place: place).last else { return nil }
        return try await read(newest, in: store, place: place, temporaryDirectory: temporaryDirectory)
    }

    /// Every checkpoint under `place`, oldest first: `audit verify` compares each (a log truncated below an old
    /// checkpoint and grown past it again no longer holds that checkpoint's entry).
    static func all(in store: any ObjectStore, place: BucketPrefix, temporaryDirectory: String) async throws -> [AuditCheckpoint] {
        var checkpoints: [AuditCheckpoint] = []
        for key in try await keys(in: store, place: place) {
            checkpoints.append(try await read(key, in: store, place: place, temporaryDirectory: temporaryDirectory))
        }
        return checkpoints
    }
}

/// Checkpoints the audit chain's head outside the catalog: every `audit.checkpoints.interval` when it moved, and once
/// more at shutdown. Each checkpoint is an object of its own and a log line (`audit checkpoint`), so removing the last
/// entries of the log, or recomputing the chain, no longer matches what was written elsewhere.
struct AuditCheckpointer: Service {
    let catalog: any AuditCatalog
    let store: any ObjectStore
    let settings: AuditCheckpointSettings
    let temporaryDirectory: String
    let logger: Logger

    func run() async throws {
        // The newest checkpoint any process wrote: the chain must still hold it before another is written.
        var last =
            await logger.bestEffort("reading the newest audit checkpoint") {
                try await AuditCheckpoint.latest(in: store, place: settings.place, temporaryDirectory: temporaryDirectory)
            } ?? nil
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval = settings.interval.duration] in try await Task.sleep(for: interval) }
            last = await checkpoint(after: last)
        }
        _ = await checkpoint(after: last)
    }

    /// Writes the head when it is past `last` and the chain still holds `last`'s entry; returns the newest checkpoint.
    ///
    /// When the entry `last` names is gone or different (entries were removed or rewritten, and perhaps the log grew
    /// past them again), nothing is written and an error is logged at every interval: a new checkpoint would record the
    /// altered chain as if it were the true one.
    func checkpoint(after last: AuditCheckpoint?) async -> AuditCheckpoint? {
        do {
            guard let head = try await catalog.latestAuditEntry(), head.sequence > (last?.sequence ?? 0) else { return last }
            if let last {
                let held = try await catalog.auditEntries(after: last.sequence - 1, limit: 1).first
                guard let held, held.sequence == last.sequence, held.hash == last.head else {
                    logger.critical(
                        "the audit log no longer holds the entry of the last checkpoint: entries were removed or rewritten; no checkpoint is written until this is investigated (run airlock audit verify)",
                        metadata: [
                            "airlock.audit.sequence": "\(last.sequence)", "airlock.audit.head": "\(last.head)",
                            "airlock.audit.object": "\(settings.place.bucket)/\(last.key(in: settings.place))",
                        ]
                    )
                    return last
                }
            }
            let checkpoint = AuditCheckpoint(sequence: head.sequence, head: head.hash, at: SystemWallClock().now())
            try await checkpoint.write(to: store, place: settings.place, temporaryDirectory: temporaryDirectory)
            logger.notice(
                "audit checkpoint",
                metadata: [
                    "airlock.audit.sequence": "\(checkpoint.sequence)", "airlock.audit.head": "\(checkpoint.head)",
                    "airlock.audit.object": "\(settings.place.bucket)/\(checkpoint.key(in: settings.place))",
                ]
            )
            return checkpoint
        } catch {
            logger.warning(
                "writing an audit checkpoint failed; retrying at the next interval",
                metadata: ["error": "\(String(describing: type(of: error)))"]
            )
            return last
        }
    }
}
