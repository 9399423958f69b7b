import AirlockTesting
import Foundation

/// Paths to the repository's fixtures.
enum Fixtures {
    static let root: URL = Repository.root.appendingPathComponent("fixtures")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: url(relative), encoding: .utf8)
    }
}
