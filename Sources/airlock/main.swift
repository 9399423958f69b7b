import AirlockApp

#if canImport(Glibc)
import Glibc
#endif

// The inspector role first, before the argument parser or Swift concurrency start any thread: its lock-down
// (Landlock) binds the calling thread and the threads it starts later, so it must run while the process has one.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "inspector" {
    InspectorCommand.run(arguments: Array(CommandLine.arguments.dropFirst(2)))
}
// Every other role ignores SIGPIPE: a write to a closed pipe or socket (stderr under a service manager, a client gone)
// fails with EPIPE instead of killing the process. Inspectors are spawned with every signal back at its default.
signal(SIGPIPE, SIG_IGN)
await Airlock.main()
