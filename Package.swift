// swift-tools-version: 6.2
import PackageDescription

// The same settings for every target (docs/development.md, "Code conventions").
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

// `AIRLOCK_FUZZ=1` (scripts/fuzz, in its own scratch path): the parsers are built with libFuzzer's coverage
// instrumentation and `airlock-fuzz` links libFuzzer's driver; otherwise `airlock-fuzz` replays saved inputs.
let fuzzing = Context.environment["AIRLOCK_FUZZ"] == "1"
let fuzzInstrumented: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []

let package = Package(
    name: "airlock",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "airlock", targets: ["airlock"]),
        .library(name: "AirlockCore", targets: ["AirlockCore"]),
        .library(name: "SigV4", targets: ["SigV4"]),
        .library(name: "AirlockApp", targets: ["AirlockApp"]),
        .library(name: "Transport", targets: ["Transport"]),
        .library(name: "S3", targets: ["S3"]),
        .library(name: "Inspection", targets: ["Inspection"]),
        .library(name: "Catalog", targets: ["Catalog"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Review", targets: ["Review"]),
        .library(name: "HTTPAPI", targets: ["HTTPAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
    ],
    targets: [
        // The error model every target shares (`AirlockFailure`); no dependencies, so the pure and low-level targets
        // adopt it too. AirlockCore re-exports it.
        .target(name: "AirlockErrors", swiftSettings: swiftSettings),
        // Domain values, decisions and the ports adapters implement. Foundation essentials only.
        .target(name: "AirlockCore", dependencies: ["AirlockErrors"], swiftSettings: swiftSettings),
        // AWS Signature V4: canonical requests, presigned URLs, POST policies, header signing. Pure.
        .target(
            name: "SigV4",
            dependencies: ["AirlockErrors", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // libcurl (with the system's OpenSSL) for the S3 data plane and webhooks.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Async HTTP over one curl multi handle on its own thread; bodies stream from and to files.
        .target(
            name: "Transport",
            dependencies: [
                "AirlockErrors",
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // S3 operations, XML, retries, backend profiles.
        .target(
            name: "S3",
            dependencies: [
                "AirlockCore",
                "SigV4",
                "Transport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // libmagic and libclamav.
        .systemLibrary(name: "CMagic", pkgConfig: "libmagic", providers: [.apt(["libmagic-dev"])]),
        .systemLibrary(name: "CClamAV", pkgConfig: "libclamav", providers: [.apt(["libclamav-dev"])]),
        // The inspector process's lock-down (seccomp BPF, Landlock, rlimits, user drop) and its channel's descriptor
        // passing: plain libc and kernel headers, no libseccomp.
        .target(name: "CSandbox"),
        // zlib: archive members and PDF object streams are inflated by Airlock itself.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Every check of docs/inspection.md on local files: libmagic, libclamav, hashes.
        .target(
            name: "Inspection",
            dependencies: [
                "AirlockCore",
                "CMagic",
                "CClamAV",
                "CZlib",
                "CSandbox",
                .product(name: "Crypto", package: "swift-crypto"),
                // AES-CBC for encrypted PDFs (owner-password-only files are decrypted and inspected).
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings + fuzzInstrumented
        ),
        // The libFuzzer harness over the parsers (scripts/fuzz), or their replay in an ordinary build.
        .executableTarget(
            name: "airlock-fuzz",
            dependencies: ["Inspection"],
            swiftSettings: swiftSettings + (fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"]), .define("FUZZING")] : []),
            linkerSettings: fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []
        ),
        // Intents, leases, verdicts (and later audit, keys, hash lists, events) on SQLite or PostgreSQL.
        .target(
            name: "Catalog",
            dependencies: [
                "AirlockCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The worker, reconciler and event sender, as services over the AirlockCore ports.
        .target(
            name: "Pipeline",
            dependencies: [
                "AirlockCore",
                "Transport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The reviewer's rules, shared by the HTTP API and `airlock quarantine`/`keys`: principals and roles, API-key
        // authentication, the quarantine actions and their audit entries, analysis zips. No HTTP.
        .target(
            name: "Review",
            dependencies: [
                "AirlockCore",
                "SigV4",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API: routes, authentication, errors (Hummingbird).
        .target(
            name: "HTTPAPI",
            dependencies: [
                "AirlockCore",
                "SigV4",
                "Review",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition root: configuration -> adapters -> commands and services.
        .target(
            name: "AirlockApp",
            dependencies: [
                "AirlockCore",
                "SigV4",
                "Transport",
                "S3",
                "Inspection",
                "Catalog",
                "Pipeline",
                "Review",
                "HTTPAPI",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "airlock",
            dependencies: [
                "AirlockApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers for tests that talk to real servers (Ceph RGW today; PostgreSQL and clamd later).
        .target(
            name: "AirlockTesting",
            dependencies: ["AirlockCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "AirlockCoreTests", dependencies: ["AirlockCore", "AirlockTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SigV4Tests",
            dependencies: ["SigV4", "AirlockErrors", "AirlockTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: ["Transport", "AirlockErrors", "AirlockTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "S3Tests",
            dependencies: [
                "S3", "SigV4", "Transport", "AirlockCore", "AirlockTesting",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InspectionTests",
            dependencies: ["Inspection", "AirlockCore", "AirlockTesting", "CZlib"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CatalogTests",
            dependencies: ["Catalog", "AirlockCore", "AirlockTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "Pipeline", "Catalog", "S3", "SigV4", "Transport", "Inspection", "AirlockApp", "AirlockCore", "AirlockTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPAPITests",
            dependencies: [
                "HTTPAPI", "Review", "AirlockCore", "AirlockTesting", "Catalog", "S3", "SigV4",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AirlockAppTests",
            dependencies: [
                "AirlockApp", "AirlockCore", "SigV4", "AirlockTesting", "Catalog", "Pipeline",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
