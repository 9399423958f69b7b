#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The system's wall clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> EpochMillis {
        EpochMillis((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
