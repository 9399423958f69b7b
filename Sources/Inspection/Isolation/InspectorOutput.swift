internal import CSandbox
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An inspector's stdout and stderr: a pipe of its own (never the worker's stderr, which may be a terminal or the
/// journal's socket), read by the worker on a thread of its own and relayed line by line to the worker's log, bounded
/// and escaped: whatever the inspector writes stays one record that says it came from that inspector.
enum InspectorOutput {
    /// Bytes of one line kept; the rest is counted and dropped.
    static let maxLineBytes = 4096
    /// Lines and bytes relayed over an inspector's life; past either, one notice, then its output is read and dropped.
    static let maxLines = 1000
    static let maxBytes = 1 << 20

    /// Reads `descriptor` to its end (the inspector gone), handing each line to `emit` escaped and capped, then closes
    /// it. Blocking.
    static func relay(descriptor: Int32, emit: (String) -> Void) {
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var line: [UInt8] = []
        line.reserveCapacity(maxLineBytes)
        var dropped = 0
        var lines = 0
        var bytes = 0
        var silenced = false
        func finish() {
            guard !silenced else { return }
            var text = escape(line)
            if dropped > 0 { text += " [\(dropped) more bytes dropped]" }
            emit(text)
            lines += 1
            bytes += line.count
            if lines >= maxLines || bytes >= maxBytes {
                emit("[further output of this inspector is dropped: over \(maxLines) lines or \(maxBytes) bytes]")
                silenced = true
            }
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { airlock_sandbox_read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            if silenced { continue }
            for byte in buffer[..<count] {
                if byte == UInt8(ascii: "\n") {
                    finish()
                    line.removeAll(keepingCapacity: true)
                    dropped = 0
                } else if line.count < maxLineBytes {
                    line.append(byte)
                } else {
                    dropped += 1
                }
            }
        }
        if !line.isEmpty || dropped > 0 { finish() }
    }

    /// The line as text that cannot end a log record, drive a terminal or reorder what a reader sees: control
    /// characters (C0, DEL, C1) and backslashes escaped as `\xNN`, bidirectional controls and line/paragraph
    /// separators (U+200E, U+200F, U+2028-U+202E, U+2066-U+2069) as `\uNNNN`; invalid UTF-8 replaced.
    static func escape(_ bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x5C {
                let hex = String(value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else if value == 0x200E || value == 0x200F || (0x2028...0x202E).contains(value) || (0x2066...0x2069).contains(value) {
                out += "\\u" + String(value, radix: 16, uppercase: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Relays `descriptor` on a new detached thread to `logger`, each line tagged with the inspector's pid.
    static func start(descriptor: Int32, pid: pid_t, logger: Logger) {
        let job = Job(descriptor: descriptor, pid: pid, logger: logger)
        let context = Unmanaged.passRetained(job).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(
            &thread,
            nil,
            { context in
                let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
                InspectorOutput.relay(descriptor: job.descriptor) { line in
                    // In a metadata value, which the log handler quotes: never an unquoted tail that reads as more fields.
                    job.logger.info("inspector output", metadata: ["airlock.inspector.pid": "\(job.pid)", "airlock.inspector.output": "\(line)"])
                }
                return nil
            },
            context
        )
        if started == 0 {
            pthread_detach(thread)
        } else {
            // No thread: the pipe is closed; the inspector's next write ends it (SIGPIPE) instead of blocking it.
            Unmanaged<Job>.fromOpaque(context).release()
            close(descriptor)
        }
    }

    private final class Job: Sendable {
        let descriptor: Int32
        let pid: pid_t
        let logger: Logger

        init(descriptor: Int32, pid: pid_t, logger: Logger) {
            self.descriptor = descriptor
            self.pid = pid
            self.logger = logger
        }
    }
}

/// Text for a terminal: what cannot drive a terminal or forge a line escaped as ``InspectorOutput`` escapes an
/// inspector's output (`airlock scan`'s human-readable lines: file names and verdict strings may hold anything).
public enum TerminalText {
    public static func escaped(_ text: String) -> String {
        InspectorOutput.escape(Array(text.utf8))
    }
}
