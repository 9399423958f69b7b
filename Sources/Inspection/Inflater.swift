import CZlib

/// A zlib inflate stream (owned; freed on release) that decompresses chunk by chunk into a sink, with a hard bound on
/// the output: archive members and PDF object streams are attacker-chosen, so a bomb ends as `limitExceeded`, never as
/// memory exhaustion.
final class Inflater {
    enum Format {
        /// Raw deflate, as ZIP members carry it.
        case raw
        /// The zlib wrapper (PDF `FlateDecode`).
        case zlib
        /// One gzip member (SVGZ, EMZ and WMZ pictures).
        case gzip

        var windowBits: Int32 {
            switch self {
            case .raw: -15
            case .zlib: 15
            case .gzip: 31
            }
        }
    }

    enum Status: Equatable {
        /// More input is needed.
        case needsInput
        /// The compressed stream ended; bytes after it in the last chunk are not part of it.
        case finished
        /// The output would pass the limit.
        case limitExceeded
        /// The sink asked to stop.
        case stopped
        /// Not valid deflate data.
        case corrupt(String)
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let limit: Int64
    private var output = [UInt8](repeating: 0, count: 64 << 10)
    private(set) var produced: Int64 = 0
    private var initialized = false

    /// - Parameter limit: The most bytes the stream may produce.
    init(format: Format, limit: Int64) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.limit = limit
        initialized = CZlib_inflateInit2(stream, format.windowBits) == Z_OK
    }

    deinit {
        if initialized { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Input bytes of the last chunk that followed the end of the compressed stream (set when `feed` finishes).
    private(set) var unusedInput = 0

    /// Feeds one chunk of compressed input; decompressed bytes go to `sink` (return `false` to stop).
    func feed(_ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) -> Bool) -> Status {
        guard initialized else { return .corrupt("zlib could not be initialized") }
        guard let base = input.baseAddress, !input.isEmpty else { return .needsInput }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            let (result, count) = output.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buffer.count)
                let result = CZlib.inflate(stream, Z_NO_FLUSH)
                let count = buffer.count - Int(stream.pointee.avail_out)
                stream.pointee.next_out = nil
                return (result, count)
            }
            if count > 0 {
                produced += Int64(count)
                if produced > limit { return .limitExceeded }
                let keepGoing = output.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                if !keepGoing { return .stopped }
            }
            switch result {
            case Z_STREAM_END:
                unusedInput = Int(stream.pointee.avail_in)
                return .finished
            case Z_OK:
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return .needsInput }
            case Z_BUF_ERROR:
                // No progress possible: all input consumed.
                return .needsInput
            case Z_NEED_DICT:
                return .corrupt("the stream needs a preset dictionary")
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(result)"
                return .corrupt(message)
            }
        }
    }

    /// Inflates a whole buffer: the bytes, or why not.
    static func inflateAll(_ input: some Collection<UInt8>, format: Format, limit: Int64) -> Result<[UInt8], InflateFailure> {
        let inflater = Inflater(format: format, limit: limit)
        var result: [UInt8] = []
        let contiguous = Array(input)
        let status = contiguous.withUnsafeBytes { bytes in
            inflater.feed(bytes) { chunk in
                result.append(contentsOf: chunk)
                return true
            }
        }
        switch status {
        case .finished: return .success(result)
        case .needsInput: return .failure(.truncated)
        case .limitExceeded: return .failure(.limitExceeded)
        case .stopped: return .success(result)
        case .corrupt(let why): return .failure(.corrupt(why))
        }
    }
}

enum InflateFailure: Error, Equatable {
    case truncated
    case limitExceeded
    case corrupt(String)

    var message: String {
        switch self {
        case .truncated: "the compressed data ends early"
        case .limitExceeded: "it inflates past the limit"
        case .corrupt(let why): "invalid compressed data (\(why))"
        }
    }
}
