/// What happens to an upload: the events of its lifecycle (docs/architecture.md, "The upload state machine").
public enum UploadEvent: String, Sendable, Hashable, CaseIterable {
    /// `complete`, or the reconciler found the object.
    case objectNoticed = "object_noticed"
    /// The intent's URLs expired with no object.
    case urlsExpired = "urls_expired"
    /// A worker leased it (or took over a lease that ran out).
    case claimed
    /// The worker placed its inspected copy: clean in processed, otherwise in quarantine.
    case placedClean = "placed_clean"
    case placedNotClean = "placed_not_clean"
    /// The object was gone before custody, or replaced after it.
    case sourceVanished = "source_vanished"
    case sourceReplaced = "source_replaced"
    /// An attempt failed (scanner, store): claimable again after a backoff.
    case attemptFailed = "attempt_failed"
    /// Graceful shutdown: the lease is given back, the attempt not counted.
    case leaseReturned = "lease_returned"
    /// Attempts exhausted and the store refused even the quarantine copy: it ends unplaced.
    case storeExhausted = "store_exhausted"
    /// A reviewer asked for a rescan; a worker finished one (the upload stays quarantined).
    case rescanRequested = "rescan_requested"
    case rescanned
    /// Reviewer decisions.
    case released
    case purged
    /// The owner deleted a processed file.
    case ownerDeleted = "owner_deleted"
    /// `uploads.processedRetention` / `quarantineRetention` ran out.
    case retentionExpired = "retention_expired"
}

/// The upload lifecycle as a pure function: the state an event leads to, or nil when the event does not apply in that
/// state. The catalog applies each change as a compare-and-set on the state it expects (and on the lease that holds
/// the upload), so two conflicting actions never both apply; the API answers the loser 409 `state_conflict`.
public enum UploadLifecycle {
    public static func next(_ state: UploadState, on event: UploadEvent) -> UploadState? {
        switch (state, event) {
        case (.pending, .objectNoticed): .uploaded
        case (.pending, .urlsExpired): .expired
        case (.pending, .claimed): .inspecting  // the reconciler may notice an object after its worker did
        case (.uploaded, .claimed), (.inspecting, .claimed): .inspecting
        case (.inspecting, .placedClean): .processed
        case (.inspecting, .placedNotClean), (.inspecting, .storeExhausted): .quarantined
        case (.inspecting, .sourceVanished), (.inspecting, .sourceReplaced): .expired
        case (.inspecting, .attemptFailed), (.inspecting, .leaseReturned): .uploaded
        case (.quarantined, .rescanRequested), (.quarantined, .rescanned): .quarantined
        case (.quarantined, .released): .processed
        case (.quarantined, .purged), (.quarantined, .retentionExpired): .purged
        case (.processed, .ownerDeleted), (.processed, .retentionExpired): .deleted
        default: nil
        }
    }

    /// Whether some event moves `from` to `to` (the check the catalog makes before a compare-and-set).
    public static func allows(_ from: UploadState, to: UploadState) -> Bool {
        UploadEvent.allCases.contains { next(from, on: $0) == to && from != to }
    }
}

/// What a claimed attempt does, from how many attempts it has used (pure: the worker's shell carries it out).
public enum AttemptPlan: Sendable, Equatable {
    /// Take custody, inspect, place.
    case inspect
    /// Attempts exhausted: place the private copy in quarantine as `scan_failed`.
    case quarantineUninspected
    /// Even that kept failing: end quarantined with the object still in incoming.
    case endUnplaced

    /// Tries to quarantine as `scan_failed` after `maxAttempts`, before an upload ends unplaced.
    public static let quarantineTries = 2

    public static func plan(attempt: Int, maxAttempts: Int) -> AttemptPlan {
        if attempt > maxAttempts + quarantineTries { return .endUnplaced }
        if attempt > maxAttempts { return .quarantineUninspected }
        return .inspect
    }
}

/// How the bytes an attempt read relate to the upload's custody (pure).
public enum CustodyCheck: Sendable, Equatable {
    /// The first complete read: record its SHA-256 as the custody.
    case take
    /// The same bytes as custody began with.
    case holds
    /// Other bytes: written after custody began; never this upload's.
    case replaced

    public static func judge(custody: String?, read sha256: String) -> CustodyCheck {
        guard let custody else { return .take }
        return custody == sha256 ? .holds : .replaced
    }
}
