import Foundation
import XCTest
@testable import SessionSDK

/// Encrypted backups, without the network: a client opened on a data directory and never
/// started can be backed up. Each backup, inspect or restore derives an Argon2id key (about a
/// second), so the failure cases share one backup.
final class BackupTests: XCTestCase {
    let passphrase = "correct horse battery staple"
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("swift-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: work)
        super.tearDown()
    }

    func path(_ name: String) -> String { work.appendingPathComponent(name).path }

    func listing(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    func client(_ name: String, pin: String? = nil) throws -> Client {
        var c = ClientConfig(dataDirectory: path(name))
        c.pin = pin
        c.logLevel = .off
        return try Client(c)
    }

    struct Made {
        let file: String
        let info: BackupInfo
        let sessionID: String
        let messageID: Int64
        let peer: String
    }

    /// A backup of a never-started client with a display name and one queued message; checks
    /// the progress events its creation emitted.
    func makeBackup() throws -> Made {
        let peer = try Identity.generate().sessionID
        let c = try client("source")
        defer { c.close() }
        try c.setDisplayName("Backed Up")
        let mid = try c.sendText(to: peer, "kept in the backup")
        try c.cancelBackup() // none runs: no effect, and none on the next backup either
        let file = path("account.ssdkbackup")
        let info = try c.backupCreate(to: file, passphrase: passphrase)
        var last: Event?
        while let ev = try c.nextEvent(timeout: 0) {
            if ev.kind == .backupProgress {
                XCTAssertLessThanOrEqual(ev.bytesDone, ev.bytesTotal)
                XCTAssertTrue(ev.json.contains("\"backup_progress\""), ev.json)
                last = ev
            }
        }
        XCTAssertEqual(last?.bytesDone, info.databaseBytes + info.fileBytes)
        XCTAssertEqual(last?.bytesTotal, info.databaseBytes + info.fileBytes)
        XCTAssertEqual(info.sessionID, c.sessionID)
        XCTAssertEqual(info.sdkVersion, SessionLibrary.version)
        XCTAssertEqual(info.messages, 1)
        XCTAssertEqual(info.conversations, 1)
        XCTAssertGreaterThan(info.databaseBytes, 0)
        XCTAssertEqual(try listing(work.path), ["account.ssdkbackup", "source"]) // no partial file
        return Made(file: file, info: info, sessionID: c.sessionID, messageID: mid, peer: peer)
    }

    func testRoundTripWithANewPIN() throws {
        let made = try makeBackup()
        XCTAssertEqual(try Backup.inspect(made.file, passphrase: passphrase), made.info)
        var calls: [(UInt64, UInt64)] = []
        let target = path("nested/restored") // missing parents are created
        let info = try Backup.restore(from: made.file, passphrase: passphrase, into: target, pin: "new pin") { done, total in
            calls.append((done, total))
            return true
        }
        XCTAssertEqual(info, made.info)
        XCTAssertFalse(calls.isEmpty)
        XCTAssertEqual(calls.last?.0, made.info.databaseBytes + made.info.fileBytes)
        XCTAssertEqual(calls.last?.1, made.info.databaseBytes + made.info.fileBytes)
        XCTAssertTrue(calls.allSatisfy { $0.0 <= $0.1 })
        XCTAssertThrowsError(try client("nested/restored")) { // the new PIN protects it
            guard case SessionError.wrongPIN = $0 else { return XCTFail("\($0)") }
        }
        let restored = try client("nested/restored", pin: "new pin")
        defer { restored.close() }
        XCTAssertEqual(restored.sessionID, made.sessionID)
        XCTAssertEqual(try restored.displayName(), "Backed Up")
        let history = try restored.history(made.peer)
        XCTAssertEqual(history.map(\.id), [made.messageID])
        XCTAssertEqual(history.first?.body, "kept in the backup")
    }

    func testFailuresLeaveNothing() throws {
        let made = try makeBackup()
        let before = try Data(contentsOf: URL(fileURLWithPath: made.file))

        // A wrong passphrase.
        XCTAssertThrowsError(try Backup.inspect(made.file, passphrase: "not the passphrase")) {
            guard case SessionError.wrongPIN = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Backup.restore(from: made.file, passphrase: "not the passphrase", into: path("t1"), pin: "1234")) {
            guard case SessionError.wrongPIN = $0 else { return XCTFail("\($0)") }
        }

        // A non-empty target.
        try FileManager.default.createDirectory(atPath: path("occupied"), withIntermediateDirectories: false)
        try Data("not yours".utf8).write(to: URL(fileURLWithPath: path("occupied/mine.txt")))
        XCTAssertThrowsError(try Backup.restore(from: made.file, passphrase: passphrase, into: path("occupied"))) {
            guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try listing(path("occupied")), ["mine.txt"])

        // The progress closure says stop.
        var calls = 0
        XCTAssertThrowsError(try Backup.restore(from: made.file, passphrase: passphrase, into: path("t2"), pin: "1234") { _, _ in
            calls += 1
            return false
        }) {
            guard case SessionError.cancelled = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(calls, 1)

        // The progress closure throws: the restore is cancelled and its error comes out.
        struct Boom: Error, Equatable {}
        calls = 0
        XCTAssertThrowsError(try Backup.restore(from: made.file, passphrase: passphrase, into: path("t3")) { _, _ in
            calls += 1
            throw Boom()
        }) {
            XCTAssertEqual($0 as? Boom, Boom())
        }
        XCTAssertEqual(calls, 1)

        // An existing file is never overwritten.
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path("precious.txt")))
        let other = try client("other")
        defer { other.close() }
        for existing in [path("precious.txt"), made.file] {
            XCTAssertThrowsError(try other.backupCreate(to: existing, passphrase: passphrase)) {
                guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") }
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("precious.txt"))), Data("precious".utf8))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: made.file)), before)

        // Bad input.
        XCTAssertThrowsError(try other.backupCreate(to: path("x"), passphrase: "")) {
            guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Backup.restore(from: path("missing"), passphrase: passphrase, into: path("t4"))) {
            guard case SessionError.notFound = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Backup.restore(from: made.file, passphrase: passphrase, into: path("t5"), pin: "")) {
            guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Backup.inspect(path("precious.txt"), passphrase: passphrase)) {
            guard case SessionError.malformed = $0 else { return XCTFail("\($0)") }
        }

        // Nothing was left behind by any of them: no target, no staging directory, no partial file.
        XCTAssertEqual(try listing(work.path), ["account.ssdkbackup", "occupied", "other", "precious.txt", "source"])

        other.close()
        XCTAssertThrowsError(try other.backupCreate(to: path("y"), passphrase: passphrase)) {
            guard case SessionError.closed = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try other.cancelBackup()) {
            guard case SessionError.closed = $0 else { return XCTFail("\($0)") }
        }
    }

    /// Hands a result from the backup's thread to the test's.
    final class ResultBox: @unchecked Sendable {
        var result: Result<BackupInfo, Error>?
    }

    func testCancelBackupStopsARunningBackup() throws {
        let c = try client("cancel")
        defer { c.close() }
        let target = path("cancelled.ssdkbackup")
        let pass = passphrase
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.result = Result { try c.backupCreate(to: target, passphrase: pass) }
            done.signal()
        }
        // A cancel before the backup begins has no effect, so cancel until it ends (the key
        // derivation alone keeps it running for about a second).
        while done.wait(timeout: .now() + .milliseconds(5)) == .timedOut {
            try c.cancelBackup()
        }
        switch box.result {
        case .failure(let error)?:
            guard case SessionError.cancelled = error else { return XCTFail("\(error)") }
        default:
            return XCTFail("not cancelled: \(String(describing: box.result))")
        }
        XCTAssertEqual(try listing(work.path), ["cancel"]) // no file, no partial file
    }
}
