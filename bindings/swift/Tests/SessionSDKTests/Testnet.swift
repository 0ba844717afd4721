import Foundation

/// The repository's local network (`session-testnet`), started once for the test run.
final class Testnet {
    static let shared: Testnet = {
        do { return try Testnet() } catch { fatalError("cannot start session-testnet: \(error)") }
    }()

    let description: String
    let directory: URL
    private let process = Process()

    /// bindings/swift/Tests/SessionSDKTests/Testnet.swift -> the repository root.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func binary() throws -> String {
        if let b = ProcessInfo.processInfo.environment["SESSION_TESTNET"] { return b }
        let cargo = Process()
        cargo.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cargo.arguments = ["cargo", "build", "--quiet", "-p", "session-node", "--bin", "session-testnet"]
        cargo.currentDirectoryURL = repoRoot
        try cargo.run()
        cargo.waitUntilExit()
        guard cargo.terminationStatus == 0 else { throw NSError(domain: "Testnet", code: Int(cargo.terminationStatus)) }
        let target = ProcessInfo.processInfo.environment["CARGO_TARGET_DIR"].map { URL(fileURLWithPath: $0) }
            ?? repoRoot.appendingPathComponent("target")
        return target.appendingPathComponent("debug/session-testnet").path
    }

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swift-testnet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        description = directory.appendingPathComponent("network.json").path
        process.executableURL = URL(fileURLWithPath: try Testnet.binary())
        process.arguments = ["--description", description, "--data-dir", directory.appendingPathComponent("data").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !Testnet.complete(description) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw NSError(domain: "Testnet", code: 1, userInfo: [NSLocalizedDescriptionKey: "no network description"])
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        atexit { Testnet.shared.stop() }
    }

    /// The description is written in one go but not atomically: wait for complete JSON.
    private static func complete(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seeds = obj["seed_nodes"] as? [Any] else { return false }
        return !seeds.isEmpty
    }

    func stop() {
        if process.isRunning {
            process.interrupt() // SIGINT, as Ctrl-C
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
