// swift-tools-version:6.0
import PackageDescription

// Layers import downwards only. The real graph (each module and what it imports of ours):
//   CShims           C: liburing, epoll, sockets, inotify; no logic
//   LimpetIO         CShims            (the only module that calls the kernel, but for LimpetWhoami)
//   LimpetHTTP       (nothing: a leaf, beside LimpetIO rather than above it)
//   LimpetRouting    LimpetHTTP
//   LimpetConfig     LimpetHTTP, LimpetRouting
//   LimpetProviders  LimpetIO, LimpetHTTP, LimpetConfig
//   LimpetProxy      LimpetIO, LimpetHTTP, LimpetRouting, LimpetConfig, LimpetProviders
//                    (and CShims, in ClientConnection*.swift, for limpet_format_ip: text, not a syscall)
//   LimpetWhoami     LimpetHTTP        (the test backend; its few socket calls stay its own)
//   limpet           LimpetProxy, LimpetConfig, LimpetWhoami (command line only)

/// Release builds of the data-path modules skip the *runtime* exclusivity checks (the compile-time ones stay):
/// callgrind showed swift_beginAccess/endAccess and their thread-local lookups at ~26 % of the instructions of a
/// proxied keep-alive request. Debug builds, which every test runs, keep the checks.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "limpet",
    platforms: [.macOS(.v14)],
    products: [.executable(name: "limpet", targets: ["limpet"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // The only C in the project: liburing, epoll, splice and socket calls Swift cannot import cleanly.
        .target(
            name: "CShims",
            path: "CShims",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("uring")]
        ),
        .target(
            name: "LimpetIO",
            dependencies: ["CShims", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: hotPath
        ),
        .target(name: "LimpetHTTP", dependencies: [], swiftSettings: hotPath),
        .target(
            name: "LimpetRouting",
            dependencies: ["LimpetHTTP", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: hotPath
        ),
        .target(
            name: "LimpetConfig",
            dependencies: ["LimpetHTTP", "LimpetRouting", "Yams", .product(name: "Atomics", package: "swift-atomics"), .product(name: "Logging", package: "swift-log")]
        ),
        // Docker and Swarm providers: a Docker Engine API client over the Unix socket on Limpet's own HTTP/1.1 code.
        .target(
            name: "LimpetProviders",
            dependencies: ["LimpetIO", "LimpetHTTP", "LimpetConfig", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "LimpetProxy",
            dependencies: ["LimpetIO", "LimpetHTTP", "LimpetRouting", "LimpetConfig", "LimpetProviders",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: hotPath
        ),
        .target(name: "LimpetWhoami", dependencies: ["LimpetHTTP", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "limpet",
            dependencies: ["LimpetProxy", "LimpetConfig", "LimpetWhoami",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "LimpetHTTPTests", dependencies: ["LimpetHTTP"]),
        .testTarget(name: "LimpetIOTests", dependencies: ["LimpetIO", "CShims"]),
        .testTarget(name: "LimpetRoutingTests", dependencies: ["LimpetRouting"]),
        .testTarget(name: "LimpetConfigTests", dependencies: ["LimpetConfig"]),
        .testTarget(name: "LimpetProxyTests",
                    dependencies: ["LimpetProxy", "LimpetHTTP", "LimpetRouting", "LimpetConfig", "LimpetIO", "LimpetWhoami",
                                   .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "LimpetProvidersTests",
                    dependencies: ["LimpetProviders", "LimpetConfig", .product(name: "Logging", package: "swift-log")]),
    ]
)
