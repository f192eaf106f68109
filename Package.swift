// swift-tools-version:6.0
// imapworker: pulls users' mail from remote IMAP accounts into a local store and keeps it in sync.
import PackageDescription

// Swift 6 language mode (tools 6.0) already means complete strict concurrency checking.
let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let nio: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

// MARK: - System libraries and C shims
let systemTargets: [Target] = [
    .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", providers: [.apt(["libssl-dev"])]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
    // hiredis is linked without pkg-config: its .pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses.
    .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", providers: [.apt(["libhiredis-dev"])]),
    .target(name: "CShims", path: "Sources/CShims", linkerSettings: [
        .linkedLibrary("ssl"), .linkedLibrary("crypto"), .linkedLibrary("z"),
    ]),
]

// MARK: - IMAP client, store, jobs, executables (issue 2)
let coreTargets: [Target] = [
    // Secrets that never print, shared by the IMAP client, the store and the transports.
    .target(name: "Credentials", path: "Sources/Credentials", swiftSettings: strict),
    .target(name: "OpenSSLKit", dependencies: ["COpenSSL", "CShims", nio, logging],
            path: "Sources/OpenSSLKit", swiftSettings: strict),
    .target(name: "DeflateCodec", dependencies: ["CZlib", "CShims", nio], path: "Sources/DeflateCodec", swiftSettings: strict),
    .target(name: "IMAPCore", dependencies: [nio], path: "Sources/IMAPCore", swiftSettings: strict),
    // Swift tasks on a NIO event loop: the IMAP session's and the NATS client's stream consumers.
    .target(name: "EventLoopExecutor", dependencies: [nio], path: "Sources/EventLoopExecutor", swiftSettings: strict),
    .target(name: "IMAPClient", dependencies: [
        "IMAPCore", "EventLoopExecutor", "OpenSSLKit", "DeflateCodec", "Credentials", nio, nioPosix, logging,
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
    ], path: "Sources/IMAPClient", swiftSettings: strict),
    .target(name: "MailStore", dependencies: [
        "OpenSSLKit", "Credentials", "CShims", nio, logging, .product(name: "GRDB", package: "GRDB.swift"),
        // The raw C API, for binding message bodies without a copy and for incremental blob I/O.
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
    ], path: "Sources/MailStore", swiftSettings: strict),
    .target(name: "MailJobs", dependencies: [
        "IMAPClient", "MailStore", "Credentials", logging, .product(name: "Yams", package: "Yams"),
        // syncremote: the engine between a stored identity (SyncIMAP) and the local account (SyncStore).
        "SyncEngine", "SyncIMAP", "SyncStore", "IMAPCore",
    ], path: "Sources/MailJobs", swiftSettings: strict),
    // Stateful bidirectional sync (InterIMAP's algorithm) over an abstract mailbox endpoint.
    .target(name: "SyncEngine", dependencies: [
        "IMAPCore", nio, logging, .product(name: "GRDB", package: "GRDB.swift"),
    ], path: "Sources/SyncEngine", swiftSettings: strict),
    // The IMAP implementation of the sync engine's MailboxEndpoint, and its connector.
    .target(name: "SyncIMAP", dependencies: [
        "SyncEngine", "IMAPClient", "IMAPCore", "Credentials", "OpenSSLKit", nio, logging,
    ], path: "Sources/SyncIMAP", swiftSettings: strict),
    // The embedded store's local account as the sync engine's second endpoint.
    .target(name: "SyncStore", dependencies: ["SyncEngine", "MailStore", "IMAPCore", nio],
            path: "Sources/SyncStore", swiftSettings: strict),
    // The daemon's core: orders, events, pool, configuration (docs/worker.md).
    .target(name: "Worker", dependencies: [
        "MailJobs", "MailStore", "IMAPClient", "IMAPCore", "Credentials", "BusTransport", "NATS", "RedisStreams", "SyncEngine", logging,
        nioPosix,
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOHTTP1", package: "swift-nio"), nio,
    ], path: "Sources/Worker", swiftSettings: strict),
    .executableTarget(name: "imapworker", dependencies: [
        "Worker", "MailJobs", logging,
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    ], path: "Sources/imapworker", swiftSettings: strict),
    .executableTarget(name: "imapctl", dependencies: [
        "MailJobs", "MailStore", "IMAPClient", "IMAPCore", "Credentials", "SyncEngine", "SyncIMAP", logging,
        // Orders to a running worker over its bus, and their events (Sources/imapctl/Bus).
        "Worker", "NATS", "RedisStreams",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], path: "Sources/imapctl", swiftSettings: strict),
]

// MARK: - Bus transports
let transportTargets: [Target] = [
    .target(name: "BusTransport", path: "Transports/BusTransport", swiftSettings: strict),
    // NATS client (issue 3), hand-written on SwiftNIO.
    .target(name: "NATS", dependencies: ["BusTransport", "EventLoopExecutor", "OpenSSLKit", "Credentials", nio, nioPosix, logging,
                                         .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Transports/NATS", swiftSettings: strict),
    .executableTarget(name: "nats-bench", dependencies: ["NATS", nio, nioPosix],
                      path: "Transports/NATSBench", swiftSettings: strict),
    // Redis Streams consumer (issue 4), over hiredis.
    .target(name: "RedisStreams", dependencies: ["BusTransport", "CHiredis", "CShims", "Credentials", logging],
            path: "Transports/RedisStreams", swiftSettings: strict),
    .executableTarget(name: "redis-bench", dependencies: ["RedisStreams"],
                      path: "Transports/RedisStreamsBench", swiftSettings: strict),
]

// MARK: - Tests
let testTargets: [Target] = [
    .target(name: "TestSupport", dependencies: [
        "MailStore", "OpenSSLKit", nio, nioPosix, .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
    ], path: "Tests/TestSupport", swiftSettings: strict),
    .testTarget(name: "HarnessTests", dependencies: ["TestSupport", nio, nioPosix], path: "Tests/HarnessTests",
                swiftSettings: strict),
    .testTarget(name: "CredentialsTests", dependencies: ["Credentials"], path: "Tests/CredentialsTests",
                swiftSettings: strict),
    .testTarget(name: "IMAPCoreTests", dependencies: ["IMAPCore", "TestSupport", nio], path: "Tests/IMAPCoreTests",
                resources: [.copy("Fixtures")], swiftSettings: strict),
    .testTarget(name: "OpenSSLKitTests", dependencies: ["OpenSSLKit", "TestSupport", nio, nioPosix],
                path: "Tests/OpenSSLKitTests", swiftSettings: strict),
    .testTarget(name: "IMAPClientTests", dependencies: ["Credentials", "IMAPClient", "IMAPCore", "TestSupport", nio, nioPosix,
                                                       .product(name: "NIOEmbedded", package: "swift-nio")],
                path: "Tests/IMAPClientTests", swiftSettings: strict),
    .testTarget(name: "MailStoreTests", dependencies: ["Credentials", "MailStore", "OpenSSLKit", "TestSupport", nio,
                                                   .product(name: "GRDB", package: "GRDB.swift")],
                path: "Tests/MailStoreTests", swiftSettings: strict),
    .testTarget(name: "DeflateCodecTests", dependencies: ["DeflateCodec", "TestSupport", nio, .product(name: "NIOEmbedded", package: "swift-nio")], path: "Tests/DeflateCodecTests",
                swiftSettings: strict),
    .testTarget(name: "NATSTests", dependencies: ["Credentials", "NATS", "TestSupport", nio, nioPosix,
                                                  .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                path: "Tests/NATSTests",
                swiftSettings: strict),
    .testTarget(name: "RedisStreamsTests", dependencies: ["RedisStreams", "BusTransport", "TestSupport"],
                path: "Tests/RedisStreamsTests", swiftSettings: strict),
    .testTarget(name: "MailJobsTests", dependencies: ["Credentials", "MailJobs", "MailStore", "IMAPClient", "SyncEngine",
                                                     "TestSupport", logging],
                path: "Tests/MailJobsTests", swiftSettings: strict),
    .testTarget(name: "SyncEngineTests", dependencies: [
        "SyncEngine", "IMAPCore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
    ], path: "Tests/SyncEngineTests", resources: [.copy("Fixtures")], swiftSettings: strict),
    .testTarget(name: "SyncIMAPTests", dependencies: [
        "SyncIMAP", "SyncEngine", "IMAPClient", "IMAPCore", "Credentials", "OpenSSLKit", "TestSupport", nio, logging,
    ], path: "Tests/SyncIMAPTests", swiftSettings: strict),
    .testTarget(name: "SyncStoreTests", dependencies: [
        "SyncStore", "SyncEngine", "MailStore", "IMAPCore", "OpenSSLKit", "TestSupport", nio, .product(name: "GRDB", package: "GRDB.swift"),
    ], path: "Tests/SyncStoreTests", swiftSettings: strict),
    .testTarget(name: "WorkerTests", dependencies: ["Worker", "MailJobs", "MailStore", "IMAPClient", "IMAPCore", "SyncEngine", "BusTransport", "TestSupport", logging],
                path: "Tests/WorkerTests", swiftSettings: strict),
    .testTarget(name: "ImapctlTests", dependencies: ["MailStore", "TestSupport"],
                path: "Tests/ImapctlTests", swiftSettings: strict),
]

// MARK: - Fuzz targets (libFuzzer), only when scripts/fuzz.sh builds them
// Each folder under Fuzz/ is one executable with an `LLVMFuzzerTestOneInput` entry point; it only
// links with `-sanitize=fuzzer` (libFuzzer supplies `main`), so plain builds leave them out.
// A new target: add its folder and one line here (name, dependencies).
let fuzzTargets: [Target] = Context.environment["IMAPWORKER_FUZZ"] == nil ? [] : [
    .executableTarget(name: "ResponseParserFuzz", dependencies: ["IMAPCore", nio], path: "Fuzz/ResponseParserFuzz",
                      swiftSettings: strict),
    .executableTarget(name: "CommandEncoderFuzz", dependencies: ["IMAPCore", nio], path: "Fuzz/CommandEncoderFuzz",
                      swiftSettings: strict),
    .executableTarget(name: "SessionStateMachineFuzz", dependencies: ["IMAPClient", "IMAPCore", nio],
                      path: "Fuzz/SessionStateMachineFuzz", swiftSettings: strict),
]

let package = Package(
    name: "imapworker",
    platforms: [.macOS(.v15)],  // Synchronization.Mutex
    products: [
        .executable(name: "imapctl", targets: ["imapctl"]),
        .executable(name: "imapworker", targets: ["imapworker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.7.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: systemTargets + coreTargets + transportTargets + testTargets + fuzzTargets
)
