import Inspection

#if canImport(Glibc)
import Glibc
#endif

/// `airlock inspector` (hidden: the worker and `airlock scan` start it): the inspector role, or with `--probe DIR` the
/// same lock-down followed by the calls an exploited parser would try, reported as one JSON line.
public enum InspectorCommand {
    public static func run(arguments: [String]) -> Never {
        if arguments.count == 2 && arguments[0] == "--probe" { InspectorRole.probe(scratch: arguments[1]) }
        // A sibling of the same user (inspectors of an unprivileged worker).
        if arguments.count == 4 && arguments[0] == "--probe" && arguments[2] == "--sibling" {
            InspectorRole.probe(scratch: arguments[1], siblingScratch: arguments[3])
        }
        if arguments.count == 6 && arguments[0] == "--probe" && arguments[2] == "--uid" && arguments[4] == "--sibling",
            let uid = UInt32(arguments[3]), uid > 0
        {
            InspectorRole.probe(scratch: arguments[1], uid: uid, siblingScratch: arguments[5])
        }
        guard arguments.isEmpty else {
            let line = "airlock inspector: started by the worker only (no arguments), or --probe DIR [[--uid N] --sibling DIR]\n"
            _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress!, $0.count - 1) }
            exit(2)
        }
        InspectorRole.run()
    }
}
