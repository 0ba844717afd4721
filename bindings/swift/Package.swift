// swift-tools-version:5.9
// SessionSDK: the Swift binding of session-sdk's C ABI (include/session_sdk.h).
//
// The C module `CSessionSDK` is a module map over the repository's header that links
// `session_sdk`; the library is found with pkg-config (`session_sdk.pc`). From a checkout:
//
//   eval "$(scripts/bindings/lib-env.sh)"   # cargo build --release --lib; PKG_CONFIG_PATH etc.
//   cd bindings/swift && swift test
import PackageDescription

let package = Package(
    name: "SessionSDK",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "SessionSDK", targets: ["SessionSDK"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSessionSDK",
            path: "Sources/CSessionSDK",
            pkgConfig: "session_sdk"
        ),
        .target(
            name: "SessionSDK",
            dependencies: ["CSessionSDK"],
            path: "Sources/SessionSDK"
        ),
        .testTarget(
            name: "SessionSDKTests",
            dependencies: ["SessionSDK"],
            path: "Tests/SessionSDKTests"
        ),
    ]
)
