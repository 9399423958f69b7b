/// Where an upload is in its life (docs/architecture.md, "The upload state machine").
public enum UploadState: String, Sendable, Hashable, Codable, CaseIterable {
    /// An intent: Airlock returned upload URLs; no object seen yet.
    case pending
    /// The object is in incoming, waiting for a worker.
    case uploaded
    /// A worker holds a lease on it.
    case inspecting
    /// Clean and moved to the processed bucket.
    case processed
    /// Not clean (or never solicited) and moved to quarantine.
    case quarantined
    /// The intent expired with no object (or the object vanished before it was inspected: `source_missing`).
    case expired
    /// A reviewer purged it from quarantine (or retention did).
    case purged
    /// The owner deleted the processed file (or retention did).
    case deleted

    /// Whether some lifecycle event moves an upload from `self` to `next` (``UploadLifecycle``).
    public func canMove(to next: UploadState) -> Bool {
        UploadLifecycle.allows(self, to: next)
    }
}

/// Milliseconds since 1970-01-01 UTC: how the catalog stores time.
public typealias EpochMillis = Int64
