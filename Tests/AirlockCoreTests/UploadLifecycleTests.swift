import AirlockCore
import Testing

/// The lifecycle without I/O: every state × event pair, the attempt plan and the custody check.
@Suite struct UploadLifecycleTests {
    /// Every pair that moves an upload; all others must be refused.
    static let moves: [UploadState: [UploadEvent: UploadState]] = [
        .pending: [.objectNoticed: .uploaded, .urlsExpired: .expired, .claimed: .inspecting],
        .uploaded: [.claimed: .inspecting],
        .inspecting: [
            .claimed: .inspecting, .placedClean: .processed, .placedNotClean: .quarantined, .storeExhausted: .quarantined,
            .sourceVanished: .expired, .sourceReplaced: .expired, .attemptFailed: .uploaded, .leaseReturned: .uploaded,
        ],
        .quarantined: [
            .rescanRequested: .quarantined, .rescanned: .quarantined, .released: .processed, .purged: .purged, .retentionExpired: .purged,
        ],
        .processed: [.ownerDeleted: .deleted, .retentionExpired: .deleted],
        .expired: [:],
        .purged: [:],
        .deleted: [:],
    ]

    @Test(arguments: UploadState.allCases)
    func everyEventInEveryState(_ state: UploadState) {
        for event in UploadEvent.allCases {
            #expect(UploadLifecycle.next(state, on: event) == Self.moves[state]?[event], "\(state) on \(event)")
        }
    }

    @Test func finalStatesAreFinalAndNothingReturnsToPending() {
        for state in [UploadState.expired, .purged, .deleted] {
            #expect(UploadState.allCases.allSatisfy { !state.canMove(to: $0) }, "\(state)")
        }
        #expect(UploadState.allCases.allSatisfy { !$0.canMove(to: .pending) })
        // Nothing is promoted without a placement or a reviewer's release.
        #expect(UploadState.allCases.filter { $0.canMove(to: .processed) }.sorted { $0.rawValue < $1.rawValue } == [.inspecting, .quarantined])
        #expect(UploadState.pending.canMove(to: .uploaded) && !UploadState.processed.canMove(to: .quarantined))
    }

    @Test func attemptsPlanInspectionThenQuarantineThenTheEnd() {
        #expect((1...3).allSatisfy { AttemptPlan.plan(attempt: $0, maxAttempts: 3) == .inspect })
        #expect(AttemptPlan.plan(attempt: 4, maxAttempts: 3) == .quarantineUninspected)
        #expect(AttemptPlan.plan(attempt: 3 + AttemptPlan.quarantineTries, maxAttempts: 3) == .quarantineUninspected)
        #expect(AttemptPlan.plan(attempt: 4 + AttemptPlan.quarantineTries, maxAttempts: 3) == .endUnplaced)
        #expect(AttemptPlan.plan(attempt: 1_000, maxAttempts: 3) == .endUnplaced)
    }

    @Test func custodyIsTakenOnceAndHeldToTheSameBytes() {
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "b", count: 64)
        #expect(CustodyCheck.judge(custody: nil, read: a) == .take)
        #expect(CustodyCheck.judge(custody: a, read: a) == .holds)
        #expect(CustodyCheck.judge(custody: a, read: b) == .replaced)
    }
}
