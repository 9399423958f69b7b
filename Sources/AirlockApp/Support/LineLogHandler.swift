import AirlockCore
import Glibc
public import Logging
import Synchronization

/// One line per record on standard error: `<time> <level> <label>: <key=value …> <message>`.
///
/// Unlike swift-log's stream handler it renders metadata only when a record is written: requests set their id and
/// actor on every request while almost none of them log, so setting metadata must cost no more than a dictionary
/// insert.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = render(event, at: SystemWallClock().now())
        let bytes = Array(line.utf8)
        Self.output.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    /// The record's line, ending in a line break.
    func render(_ event: LogEvent, at time: EpochMillis) -> String {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { current, _ in current } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        var line = Timestamp.iso8601(time) + " " + event.level.rawValue + " " + label + ":"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " " + key + "=" + Self.quoted("\(value)")
        }
        // Line breaks in a message (which may quote client input) are escaped: one record, one line.
        let message = event.message.description
        return line + " " + (message.contains(where: \.isNewline) ? String(message.flatMap { $0.isNewline ? ["\\", "n"] : [$0] }) : message) + "\n"
    }

    /// Values with spaces, quotes or line breaks are quoted so that a line stays one record.
    static func quoted(_ value: String) -> String {
        guard value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) || value.isEmpty else { return value }
        var out = "\""
        for character in value {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where character.isNewline: out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    private static let output = Mutex(())
}
