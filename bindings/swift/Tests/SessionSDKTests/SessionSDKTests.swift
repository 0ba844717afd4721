import Foundation
import XCTest
@testable import SessionSDK

final class IdentityTests: XCTestCase {
    func testABI() {
        XCTAssertEqual(SessionLibrary.abiVersion, SessionLibrary.bindingABIVersion)
        XCTAssertNoThrow(try SessionLibrary.checkABI(binding: 1, header: 1, library: 1).get())
        XCTAssertThrowsError(try SessionLibrary.checkABI(binding: 1, header: 1, library: 2).get()) { error in
            guard case SessionError.abiMismatch(let m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("C ABI version 2"))
        }
        XCTAssertThrowsError(try SessionLibrary.checkABI(binding: 1, header: 3, library: 1).get())
        XCTAssertFalse(SessionLibrary.version.isEmpty)
    }

    func testStatusCodesMatchTheLibrary() {
        for code in Int32(-26)...Int32(-1) {
            let e = SessionError.from(code: code, message: "m")
            XCTAssertEqual(e.code, code)
            XCTAssertTrue(e.statusName.hasPrefix("SSDK_ERR_"), e.statusName)
            if case .unknown = e { XCTFail("code \(code) has no case") }
        }
        XCTAssertEqual(SessionError.wrongPIN("x").statusName, "SSDK_ERR_WRONG_PIN")
        XCTAssertEqual(SessionError.from(code: -999, message: "m"), .unknown(code: -999, message: "m"))
    }

    func testGenerateAndRestore() throws {
        let me = try Identity.generate()
        XCTAssertEqual(me.sessionID.count, 66)
        XCTAssertTrue(me.sessionID.hasPrefix("05"))
        let phrase = try me.mnemonic()
        XCTAssertEqual(phrase.split(separator: " ").count, 13)
        let again = try Identity.fromMnemonic("  " + phrase.uppercased() + " ")
        XCTAssertEqual(again.sessionID, me.sessionID)
        XCTAssertEqual(again.ed25519PublicKey, me.ed25519PublicKey)
        let seed = try me.seed()
        XCTAssertEqual(seed.count, 32)
        XCTAssertEqual(try Identity.fromSeed(seed.prefix(16)).sessionID, me.sessionID)
        XCTAssertThrowsError(try Identity.fromSeed(Data("short".utf8))) { XCTAssertEqual(($0 as? SessionError)?.code, -9) }
    }

    func testPhraseErrors() throws {
        let words = try Identity.generate().mnemonic().split(separator: " ").map(String.init)
        XCTAssertThrowsError(try Identity.fromMnemonic(words.prefix(12).joined(separator: " "))) {
            guard case SessionError.mnemonicWordCount = $0 else { return XCTFail("\($0)") }
        }
        var unknown = words
        unknown[5] = "zzqxv"
        XCTAssertThrowsError(try Identity.fromMnemonic(unknown.joined(separator: " "))) {
            guard case SessionError.mnemonicUnknownWord(let m) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("zzqxv"))
        }
        let wrong = words.prefix(12).first { $0.prefix(3) != words[12].prefix(3) }!
        XCTAssertThrowsError(try Identity.fromMnemonic((words.prefix(12) + [wrong]).joined(separator: " "))) {
            guard case SessionError.mnemonicChecksum = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Identity.fromMnemonic("a\u{0}b")) {
            guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
    }

    func testSessionIDsAndBlinding() throws {
        let me = try Identity.generate()
        XCTAssertNoThrow(try Identity.validate(sessionID: me.sessionID))
        XCTAssertFalse(Identity.isValid(sessionID: "05abc"))
        XCTAssertThrowsError(try Identity.validate(sessionID: "05abc")) {
            guard case SessionError.invalidSessionID(let m) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("66"))
        }
        let key = String(repeating: "a", count: 64)
        let b15 = try Identity.blindedID(of: me.sessionID, serverPubkeyHex: key)
        XCTAssertTrue(b15.hasPrefix("15"))
        XCTAssertTrue(try Identity.blindedID(b15, matches: me.sessionID, serverPubkeyHex: key))
        XCTAssertFalse(try Identity.blindedID(b15, matches: try Identity.generate().sessionID, serverPubkeyHex: key))
        XCTAssertThrowsError(try Identity.blindedID(of: me.sessionID, serverPubkeyHex: key, kind: 16))
        XCTAssertThrowsError(try Identity.blindedID(of: me.sessionID, serverPubkeyHex: "abcd")) {
            XCTAssertEqual(($0 as? SessionError)?.code, -9)
        }
    }

    func testSealAndOpen() throws {
        let alice = try Identity.generate(), bob = try Identity.generate(), eve = try Identity.generate()
        let sealed = try alice.encrypt(for: bob.sessionID, Data("hello bob".utf8))
        XCTAssertEqual(sealed.count, 9 + 144)
        let (plain, sender) = try bob.decrypt(sealed)
        XCTAssertEqual(String(decoding: plain, as: UTF8.self), "hello bob")
        XCTAssertEqual(sender, alice.sessionID)
        XCTAssertThrowsError(try eve.decrypt(sealed)) {
            guard case SessionError.decryptionFailed = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try alice.encrypt(for: "05nope", Data()))
    }

    func testClosedIdentity() throws {
        let me = try Identity.generate()
        me.close()
        me.close()
        XCTAssertThrowsError(try me.mnemonic()) {
            guard case SessionError.closed = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(($0 as? SessionError)?.code, -2)
        }
    }
}

final class ClientTests: XCTestCase {
    let deadline: TimeInterval = 45
    var dirs: [URL] = []

    override func tearDown() {
        for d in dirs { try? FileManager.default.removeItem(at: d) }
        super.tearDown()
    }

    func config(_ name: String) -> ClientConfig {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("swift-\(name)-\(UUID().uuidString)")
        dirs.append(d)
        var c = ClientConfig(dataDirectory: d.path)
        c.networkFile = Testnet.shared.description
        c.pollIntervals = (0.3, 0.6)
        c.logLevel = .warn
        return c
    }

    func waitEvent(_ c: Client, _ what: String, _ pred: (Event) -> Bool) throws -> Event {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            if let ev = try c.nextEvent(timeout: 0.5), pred(ev) { return ev }
        }
        XCTFail("no \(what) within \(deadline) s")
        throw SessionError.timeout("no \(what)")
    }

    func testConfigErrors() {
        var c = config("cfg")
        c.pin = ""
        XCTAssertThrowsError(try Client(c)) { guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") } }
        c = config("cfg2")
        c.networkFile = "/nonexistent/net.json"
        XCTAssertThrowsError(try Client(c)) { guard case SessionError.io = $0 else { return XCTFail("\($0)") } }
        c = config("cfg3")
        c.pollIntervals = (0.01, 0.02)
        XCTAssertThrowsError(try Client(c))
        c = config("cfg4")
        c.mnemonic = "one two three"
        XCTAssertThrowsError(try Client(c)) { guard case SessionError.mnemonicWordCount = $0 else { return XCTFail("\($0)") } }
    }

    func testWrongPIN() throws {
        var c = config("pin")
        c.pin = "right"
        let first = try Client(c)
        let id = first.sessionID
        first.close()
        c.pin = "wrong"
        XCTAssertThrowsError(try Client(c)) { guard case SessionError.wrongPIN = $0 else { return XCTFail("\($0)") } }
        c.pin = "right"
        XCTAssertEqual(try Client(c).sessionID, id)
    }

    func testBadInputAndClosed() throws {
        let c = try Client(config("bad"))
        let peer = try Identity.generate().sessionID
        XCTAssertThrowsError(try c.sendText(to: "05abc", "x")) { guard case SessionError.invalidSessionID = $0 else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try c.sendText(to: peer, "")) { guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try c.message(999_999)) { guard case SessionError.notFound = $0 else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try c.history(peer, limit: 0))
        XCTAssertThrowsError(try c.acceptRequest(peer)) { guard case SessionError.notFound = $0 else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try c.block(c.sessionID))
        XCTAssertThrowsError(try c.cancelTransfer(999_999)) { guard case SessionError.notFound = $0 else { return XCTFail("\($0)") } }
        let id = try c.sendText(to: peer, "queued")
        XCTAssertEqual(try c.message(id).state, .sending)
        try c.block(peer)
        XCTAssertThrowsError(try c.sendText(to: peer, "no")) { guard case SessionError.blocked = $0 else { return XCTFail("\($0)") } }
        try c.start()
        XCTAssertThrowsError(try c.start()) { guard case SessionError.busy = $0 else { return XCTFail("\($0)") } }
        c.close()
        XCTAssertTrue(c.isClosed)
        XCTAssertThrowsError(try c.contacts()) { guard case SessionError.closed = $0 else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try c.sendText(to: peer, "x"))
    }

    func testSendAndReceiveBothWays() throws {
        var ac = config("alice")
        ac.displayName = "Alice"
        let alice = try Client(ac), bob = try Client(config("bob"))
        try alice.start()
        try bob.start()
        let id = try alice.sendText(to: bob.sessionID, "hello bob")
        let got = try waitEvent(bob, "message") { $0.kind == .messageReceived && $0.text == "hello bob" }
        XCTAssertEqual(got.sender, alice.sessionID)
        XCTAssertTrue(got.isRequest)
        XCTAssertEqual(try got.message()?.body, "hello bob")
        _ = try waitEvent(alice, "sent state") { $0.kind == .messageState && $0.messageID == id && $0.messageState == .sent }
        let reqs = try bob.requests()
        XCTAssertEqual(reqs.map(\.sessionID), [alice.sessionID])
        XCTAssertEqual(reqs.first?.displayName, "Alice")
        try bob.acceptRequest(alice.sessionID)
        try bob.sendText(to: alice.sessionID, "hello alice")
        _ = try waitEvent(alice, "reply") { $0.kind == .messageReceived && $0.text == "hello alice" }
        XCTAssertEqual(try alice.history(bob.sessionID).compactMap(\.body), ["hello alice", "hello bob"])
        XCTAssertEqual(try alice.markRead(bob.sessionID), 1)
        XCTAssertTrue(try alice.connectionReady())
    }

    func testRequestsDeclineAndBlock() throws {
        let carol = try Client(config("carol")), dave = try Client(config("dave"))
        try carol.start()
        try dave.start()
        try carol.sendText(to: dave.sessionID, "first")
        _ = try waitEvent(dave, "request") { $0.kind == .messageRequest && $0.sender == carol.sessionID }
        try dave.declineRequest(carol.sessionID)
        XCTAssertEqual(try dave.requests(), [])
        try carol.sendText(to: dave.sessionID, "second")
        _ = try waitEvent(dave, "second request") { $0.kind == .messageRequest }
        try dave.block(carol.sessionID)
        XCTAssertEqual(try dave.blocked().map(\.sessionID), [carol.sessionID])
        try dave.unblock(carol.sessionID)
    }

    func testEventsAsyncStream() async throws {
        let a = try Client(config("as-a")), b = try Client(config("as-b"))
        try a.start()
        try b.start()
        try a.sendText(to: b.sessionID, "streamed")
        let text: String? = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                for await ev in b.events() where ev.kind == .messageReceived {
                    return ev.text
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(45 * 1_000_000_000))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        XCTAssertEqual(text, "streamed")
    }

    func testListenerAndCloseInsideIt() throws {
        let a = try Client(config("ls-a")), b = try Client(config("ls-b"))
        try a.start()
        try b.start()
        let received = expectation(description: "message pushed")
        let removed = expectation(description: "listener removed")
        try b.setListener({ ev in
            if ev.kind == .messageReceived && ev.text == "pushed" {
                _ = try? b.contacts() // calling the SDK from the callback works
                received.fulfill()
                b.close() // completes after the callback returns
            }
        }, onRemoved: { removed.fulfill() })
        try a.sendText(to: b.sessionID, "pushed")
        wait(for: [received, removed], timeout: deadline)
        XCTAssertTrue(b.isClosed)
    }

    func testAttachmentRoundTrip() throws {
        var bc = config("att-b")
        bc.autoAcceptRequests = true
        let a = try Client(config("att-a")), b = try Client(bc)
        try a.start()
        try b.start()
        let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try a.sendFile(to: b.sessionID, data: data, fileName: "pattern.bin", caption: "a pattern")
        let got = try waitEvent(b, "file") { $0.kind == .messageReceived && $0.text == "a pattern" }
        XCTAssertEqual(try got.message()?.attachments?.first?.fileName, "pattern.bin")
        XCTAssertEqual(try b.attachmentData(got.messageID), data)
    }

    func testGroups() throws {
        let alice = try Client(config("grp-a")), bob = try Client(config("grp-b"))
        try alice.start()
        try bob.start()
        XCTAssertEqual(SessionLibrary.maxGroupMembers, 100)
        let gid = try alice.createGroup(name: "Swift group", members: [bob.sessionID])
        XCTAssertTrue(gid.hasPrefix("03"))
        let invite = try waitEvent(bob, "invite") { $0.kind == .groupInvite }
        XCTAssertEqual(invite.conversation, gid)
        XCTAssertEqual(invite.text, "Swift group")
        try bob.groupAcceptInvite(gid)
        XCTAssertThrowsError(try bob.groupAcceptInvite(gid)) { guard case SessionError.invalidArgument = $0 else { return XCTFail("\($0)") } }
        try alice.sendText(to: gid, "hello group")
        let got = try waitEvent(bob, "group message") { $0.kind == .messageReceived && $0.text == "hello group" }
        XCTAssertEqual(got.conversation, gid)
        XCTAssertEqual(Set(try alice.groupMembers(gid).map(\.sessionID)), [alice.sessionID, bob.sessionID])
        XCTAssertThrowsError(try bob.groupRename(gid, to: "mine")) { guard case SessionError.permissionDenied = $0 else { return XCTFail("\($0)") } }
        try alice.groupRename(gid, to: "renamed")
        XCTAssertEqual(try alice.groups().first?.name, "renamed")
        XCTAssertThrowsError(try alice.groupInvite(gid, members: ["05nope"])) { guard case SessionError.invalidSessionID = $0 else { return XCTFail("\($0)") } }
        try bob.groupLeave(gid)
        XCTAssertEqual(try bob.groups().first?.state, "left")
    }
}
