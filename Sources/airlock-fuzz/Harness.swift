import Inspection

#if canImport(Glibc)
import Glibc
#endif

// A libFuzzer harness over Airlock's own parsers (`FuzzTargets`), built by `scripts/fuzz` with
// `AIRLOCK_FUZZ=1` (`-sanitize=fuzzer`); the parser is chosen by `AIRLOCK_FUZZ_TARGET`. In an ordinary build it
// replays inputs instead: `airlock-fuzz TARGET FILE...` (a crash that libFuzzer saved, as a regression check).

/// Writes a line to standard error.
func complain(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

#if FUZZING
// SwiftPM names an executable's entry point `<module>_main`; libFuzzer's driver runs from it.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("airlock_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return runDriver(&count, &vector, fuzzOne)
}

private let target: String = getenv("AIRLOCK_FUZZ_TARGET").map { String(cString: $0) } ?? "pdf"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard FuzzTargets.run(target, bytes) else {
        complain("airlock-fuzz: unknown AIRLOCK_FUZZ_TARGET '\(target)' (one of \(FuzzTargets.names.joined(separator: ", ")))")
        exit(2)
    }
    return 0
}
#else
@main
enum Replay {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, FuzzTargets.names.contains(arguments[1]) else {
            complain("usage: airlock-fuzz {\(FuzzTargets.names.joined(separator: "|"))} FILE...")
            exit(2)
        }
        for path in arguments.dropFirst(2) {
            guard let file = fopen(path, "rb") else {
                complain("airlock-fuzz: cannot open \(path)")
                exit(1)
            }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            fclose(file)
            FuzzTargets.run(arguments[1], bytes)
            print("ok \(path)")
        }
    }
}
#endif
