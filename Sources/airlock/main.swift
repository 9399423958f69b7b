import AirlockApp

// The inspector role first, before the argument parser or Swift concurrency start any thread: its lock-down
// (Landlock) binds the calling thread and the threads it starts later, so it must run while the process has one.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "inspector" {
    InspectorCommand.run(arguments: Array(CommandLine.arguments.dropFirst(2)))
}
await Airlock.main()
