import CSessionSDK
import Foundation

/// Settings of a client (each maps to one `ssdk_config` setter and is checked by the SDK when
/// the client is opened; `nil` keeps the SDK's default).
public struct ClientConfig: Sendable {
    public var dataDirectory: String
    public var networkFile: String?
    public var networkJSON: String?
    public var mainnet: Bool = false
    public var pin: String?
    public var identity: Identity?
    public var mnemonic: String?
    public var seed: Data?
    /// Poll intervals in seconds: (active, idle).
    public var pollIntervals: (active: Double, idle: Double)?
    public var autoAcceptRequests: Bool?
    public var logLevel: LogLevel?
    public var displayName: String?
    /// Retry window for unacknowledged messages, in whole seconds.
    public var sendRetryWindow: UInt32?
    public var stripJPEGMetadata: Bool?

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Build the C configuration; the caller frees it with `ssdk_config_free`.
    func makeNative() throws -> OpaquePointer {
        var cfg: OpaquePointer?
        try withCStrings([dataDirectory], ["data_dir"]) { s in try check(ssdk_config_new(s[0], &cfg)) }
        let c = cfg!
        do {
            if mainnet { try check(ssdk_config_use_mainnet(c)) }
            if let f = networkFile {
                try withCStrings([f], ["network_file"]) { s in try check(ssdk_config_set_network_file(c, s[0])) }
            }
            if let j = networkJSON {
                try withCStrings([j], ["network_json"]) { s in try check(ssdk_config_set_network_json(c, s[0])) }
            }
            if let p = pin {
                try withCStrings([p], ["pin"]) { s in try check(ssdk_config_set_pin(c, s[0])) }
            }
            if let id = identity {
                try id.withHandle { h in try check(ssdk_config_set_identity(c, h)) }
            }
            if let m = mnemonic {
                try withCStrings([m], ["mnemonic"]) { s in try check(ssdk_config_set_identity_mnemonic(c, s[0])) }
            }
            if let seed = seed {
                try seed.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
                    try check(ssdk_config_set_identity_seed(c, buf.bindMemory(to: UInt8.self).baseAddress, buf.count))
                }
            }
            if let iv = pollIntervals {
                let active = try millis(iv.active), idle = try millis(iv.idle)
                try check(ssdk_config_set_poll_intervals(c, active, idle))
            }
            if let a = autoAcceptRequests { try check(ssdk_config_set_auto_accept_requests(c, a)) }
            if let l = logLevel { try check(ssdk_config_set_log_level(c, l.rawValue)) }
            if let n = displayName {
                try withCStrings([n], ["display_name"]) { s in try check(ssdk_config_set_display_name(c, s[0])) }
            }
            if let w = sendRetryWindow { try check(ssdk_config_set_send_retry_window(c, w)) }
            if let strip = stripJPEGMetadata { try check(ssdk_config_set_strip_jpeg_metadata(c, strip)) }
        } catch {
            ssdk_config_free(c)
            throw error
        }
        return c
    }
}

private func millis(_ seconds: Double) throws -> UInt32 {
    let ms = (seconds * 1000).rounded()
    guard ms >= 0, ms <= Double(UInt32.max) else {
        throw SessionError.invalidArgument("INVALID_ARGUMENT: interval \(seconds) s out of range")
    }
    return UInt32(ms)
}

/// What a listener's C context points at: retained (`Unmanaged`) until the SDK calls `destroy`,
/// exactly once.
private final class ListenerBox {
    let onEvent: (Event) -> Void
    let onRemoved: (() -> Void)?
    init(onEvent: @escaping (Event) -> Void, onRemoved: (() -> Void)?) {
        self.onEvent = onEvent
        self.onRemoved = onRemoved
    }
}

/// Marks the SDK's listener thread while it runs a callback (`close()` must not free there).
private let callbackDepthKey = "SessionSDK.callbackDepth"

private let onEventTrampoline: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> Void = { ctx, ev in
    guard let ctx = ctx, let ev = ev else { return }
    let box = Unmanaged<ListenerBox>.fromOpaque(ctx).takeUnretainedValue()
    let depth = (Thread.current.threadDictionary[callbackDepthKey] as? Int) ?? 0
    Thread.current.threadDictionary[callbackDepthKey] = depth + 1
    defer { Thread.current.threadDictionary[callbackDepthKey] = depth }
    box.onEvent(Event(ev)) // the event is borrowed: copied before the callback runs
}

private let destroyTrampoline: @convention(c) (UnsafeMutableRawPointer?) -> Void = { ctx in
    guard let ctx = ctx else { return }
    let box = Unmanaged<ListenerBox>.fromOpaque(ctx).takeRetainedValue()
    box.onRemoved?()
}

private func inListenerCallback() -> Bool {
    ((Thread.current.threadDictionary[callbackDepthKey] as? Int) ?? 0) > 0
}

/// A Session client: one identity, its encrypted database and its network tasks. The SDK allows
/// every call from any thread (and from inside a listener callback), so it is `Sendable`.
/// `close()` (or the last reference going) stops and releases it.
public final class Client: @unchecked Sendable {
    private let handle: HandleGuard
    /// The client's Session ID.
    public let sessionID: String
    /// Generation of the listener installed by `events()`, so that ending an old stream never
    /// removes a newer listener.
    private let streamLock = NSLock()
    private var streamGeneration = 0

    /// Open (or create) the client described by `config`; no network activity until `start()`.
    /// Throws `.wrongPIN` (database untouched), `.invalidArgument` (the directory holds another
    /// identity), `.database`, `.io`, `.invalidKey`, or a setting's error.
    public init(_ config: ClientConfig) throws {
        try SessionLibrary.ensureABI()
        let cfg = try config.makeNative()
        defer { ssdk_config_free(cfg) }
        var p: OpaquePointer?
        try check(ssdk_client_new(cfg, &p))
        var out: UnsafeMutablePointer<CChar>?
        do {
            try check(ssdk_client_session_id(p, &out))
        } catch {
            ssdk_client_free(p)
            throw error
        }
        sessionID = takeString(out)
        handle = HandleGuard(p!, what: "client") { ssdk_client_free($0) }
    }

    deinit { close() }

    private func call(_ body: (OpaquePointer) -> ssdk_status) throws {
        try handle.with { h in try check(body(h)) }
    }

    private func callString(_ body: (OpaquePointer, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> ssdk_status) throws -> String {
        try handle.with { h in
            var out: UnsafeMutablePointer<CChar>?
            try check(body(h, &out))
            return takeString(out)
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    // MARK: life cycle

    /// Start the network tasks. Throws `.busy` when already running.
    public func start() throws { try call { ssdk_client_start($0) } }

    /// Stop the network tasks (queued messages stay); the client can be started again.
    public func stop() throws { try call { ssdk_client_stop($0) } }

    /// Stop and release the client: new calls throw `.closed`, calls in flight on other threads
    /// are waited for, the listener's `onRemoved` runs. Idempotent. From inside a listener
    /// callback the release completes on another thread after the callback returns.
    public func close() {
        guard handle.beginClose() else { return }
        if inListenerCallback() {
            let h = handle
            Thread.detachNewThread { h.finishClose() }
        } else {
            handle.finishClose()
        }
    }

    public var isClosed: Bool { handle.isClosed }

    /// The recovery phrase (secret).
    public func mnemonic() throws -> String { try callString { ssdk_client_mnemonic($0, $1) } }

    // MARK: messages

    /// Queue a text message and return its local id (delivery: `.messageState` events).
    /// Throws `.invalidSessionID`, `.invalidArgument` (empty), `.tooLarge`, `.blocked`.
    @discardableResult
    public func sendText(to: String, _ text: String) throws -> Int64 {
        var id: Int64 = 0
        try handle.with { h in
            try withCStrings([to, text], ["to", "text"]) { s in try check(ssdk_client_send_text(h, s[0], s[1], &id)) }
        }
        return id
    }

    /// Put a failed outgoing message back in the outbox.
    public func resend(_ messageID: Int64) throws { try call { ssdk_client_resend($0, messageID) } }

    /// One stored message (`.notFound` if none).
    public func message(_ messageID: Int64) throws -> Message {
        try decode(Message.self, try callString { ssdk_client_message_json($0, messageID, $1) })
    }

    /// A page of a conversation's messages, newest first (limit 1-1000, before 0 = newest).
    public func history(_ conversation: String, before: Int64 = 0, limit: UInt32 = 50) throws -> [Message] {
        let json: String = try handle.with { h in
            try withCStrings([conversation], ["conversation"]) { s in
                var out: UnsafeMutablePointer<CChar>?
                try check(ssdk_client_history_json(h, s[0], before, limit, &out))
                return takeString(out)
            }
        }
        return try decode([Message].self, json)
    }

    /// Conversations by most recent activity.
    public func conversations() throws -> [Conversation] {
        try decode([Conversation].self, try callString { ssdk_client_conversations_json($0, $1) })
    }

    /// Mark incoming messages read up to `upTo` (0: all); returns how many changed.
    @discardableResult
    public func markRead(_ conversation: String, upTo: Int64 = 0) throws -> UInt32 {
        var n: UInt32 = 0
        try withSessionID(conversation, "conversation") { h, s in ssdk_client_mark_read(h, s, upTo, &n) }
        return n
    }

    /// Delete a conversation and its messages from this device.
    public func deleteConversation(_ conversation: String) throws {
        try withSessionID(conversation, "conversation") { ssdk_client_delete_conversation($0, $1) }
    }

    /// Delete one message from this device.
    public func deleteMessage(_ messageID: Int64) throws { try call { ssdk_client_delete_message($0, messageID) } }

    // MARK: contacts and requests

    public func contacts() throws -> [Contact] { try decode([Contact].self, try callString { ssdk_client_contacts_json($0, $1) }) }
    public func requests() throws -> [Contact] { try decode([Contact].self, try callString { ssdk_client_requests_json($0, $1) }) }
    public func blocked() throws -> [Contact] { try decode([Contact].self, try callString { ssdk_client_blocked_json($0, $1) }) }

    private func withSessionID(_ id: String, _ name: String, _ body: (OpaquePointer, UnsafePointer<CChar>?) -> ssdk_status) throws {
        try handle.with { h in
            try withCStrings([id], [name]) { s in try check(body(h, s[0])) }
        }
    }

    private func withNickname(_ id: String, _ nickname: String?, _ body: (OpaquePointer, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> ssdk_status) throws {
        try handle.with { h in
            try withCStrings([id, nickname], ["session_id", "nickname"]) { s in try check(body(h, s[0], s[1])) }
        }
    }

    public func addContact(_ sessionID: String, nickname: String? = nil) throws {
        try withNickname(sessionID, nickname) { ssdk_client_add_contact($0, $1, $2) }
    }
    public func setNickname(_ sessionID: String, _ nickname: String?) throws {
        try withNickname(sessionID, nickname) { ssdk_client_set_nickname($0, $1, $2) }
    }
    public func removeContact(_ sessionID: String) throws { try withSessionID(sessionID, "session_id") { ssdk_client_remove_contact($0, $1) } }
    public func acceptRequest(_ sessionID: String) throws { try withSessionID(sessionID, "session_id") { ssdk_client_accept_request($0, $1) } }
    public func declineRequest(_ sessionID: String) throws { try withSessionID(sessionID, "session_id") { ssdk_client_decline_request($0, $1) } }
    public func block(_ sessionID: String) throws { try withSessionID(sessionID, "session_id") { ssdk_client_block($0, $1) } }
    public func unblock(_ sessionID: String) throws { try withSessionID(sessionID, "session_id") { ssdk_client_unblock($0, $1) } }
    /// Set our profile picture (up to 10 MB; JPEG metadata removed unless disabled): encrypted,
    /// uploaded, sent with our messages and synced to our other devices. `nil` removes it.
    public func setProfilePicture(_ image: Data?) throws {
        guard let image = image else { return try call { ssdk_client_set_profile_picture($0, nil, 0) } }
        let bytes = [UInt8](image)
        try bytes.withUnsafeBufferPointer { buf in
            try call { ssdk_client_set_profile_picture($0, buf.baseAddress ?? UnsafePointer(bitPattern: 1), bytes.count) }
        }
    }

    /// Download and decrypt a profile picture: ours (`nil`) or a contact's; `nil` when none.
    public func profilePicture(of sessionID: String? = nil) throws -> Data? {
        try handle.with { h in
            var out: UnsafeMutablePointer<UInt8>?
            var n = 0
            if let id = sessionID {
                try withCStrings([id], ["session_id"]) { s in try check(ssdk_client_profile_picture(h, s[0], &out, &n)) }
            } else {
                try check(ssdk_client_profile_picture(h, nil, &out, &n))
            }
            return out == nil ? nil : takeBytes(out, n)
        }
    }

    /// Wake every thread now blocked waiting for an event on this client (for a prompt stop).
    public func interruptWait() throws { try call { ssdk_client_interrupt_wait($0) } }

    /// Our display name, as set here or (synced) on another device of this identity.
    public func displayName() throws -> String? {
        let name = try callString { ssdk_client_display_name($0, $1) }
        return name.isEmpty ? nil : name
    }
    public func setDisplayName(_ name: String) throws { try withSessionID(name, "name") { ssdk_client_set_display_name($0, $1) } }

    // MARK: backups

    /// Write an encrypted backup of this account to `path`, a new file, and return what it
    /// holds: the whole history, contacts, groups, settings and attachment files, under a key
    /// derived from `passphrase` (Argon2id, about a second). The database key is not in it: a
    /// restore (`Backup.restore`) sets a new PIN. The client may be running (its database is
    /// copied at one point in time) or never started.
    ///
    /// Blocks until done: call it off the main thread, not from a listener callback.
    /// `.backupProgress` events report the bytes written; `cancelBackup()` from another thread
    /// stops it. On any failure no file is left at `path`.
    ///
    /// Throws `.invalidArgument` (an empty passphrase, or `path` exists: a backup never
    /// overwrites a file), `.io` (e.g. a full disk), `.database`, `.cancelled`.
    @discardableResult
    public func backupCreate(to path: String, passphrase: String) throws -> BackupInfo {
        let json: String = try handle.with { h in
            try withCStrings([path, passphrase], ["path", "passphrase"]) { s in
                var out: UnsafeMutablePointer<CChar>?
                try check(ssdk_client_backup_create(h, s[0], s[1], &out))
                return takeString(out)
            }
        }
        return try decode(BackupInfo.self, json)
    }

    /// Cancel the `backupCreate` running on another thread (it then throws `.cancelled` and
    /// leaves no file). No effect when none runs.
    public func cancelBackup() throws { try call { ssdk_client_backup_cancel($0) } }

    // MARK: state

    /// Whether onion paths are ready.
    public func connectionReady() throws -> Bool {
        var ready: Int32 = 0
        try call { ssdk_client_connection_ready($0, &ready) }
        return ready != 0
    }

    public func setLogLevel(_ level: LogLevel) throws { try call { ssdk_client_set_log_level($0, level.rawValue) } }

    // MARK: attachments

    /// Queue the file at `path` for `to` (uploaded by the running client; attachment events).
    @discardableResult
    public func sendFile(to: String, path: String, caption: String? = nil) throws -> Int64 {
        var id: Int64 = 0
        try handle.with { h in
            try withCStrings([to, path, caption], ["to", "path", "caption"]) { s in
                try check(ssdk_client_send_file(h, s[0], s[1], s[2], &id))
            }
        }
        return id
    }

    /// As `sendFile`, from memory.
    @discardableResult
    public func sendFile(to: String, data: Data, fileName: String? = nil, contentType: String? = nil, caption: String? = nil) throws -> Int64 {
        var id: Int64 = 0
        try handle.with { h in
            try withCStrings([to, fileName, contentType, caption], ["to", "file_name", "content_type", "caption"]) { s in
                try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
                    try check(ssdk_client_send_file_bytes(h, s[0], buf.bindMemory(to: UInt8.self).baseAddress, buf.count, s[1], s[2], s[3], &id))
                }
            }
        }
        return id
    }

    /// Start downloading an attachment in the background (to `destinationPath` if given).
    public func downloadAttachment(_ messageID: Int64, index: UInt32 = 0, to destinationPath: String? = nil) throws {
        try handle.with { h in
            try withCStrings([destinationPath], ["dest_path"]) { s in
                try check(ssdk_client_download_attachment(h, messageID, index, s[0]))
            }
        }
    }

    /// Download, verify and decrypt an attachment, blocking until done.
    public func attachmentData(_ messageID: Int64, index: UInt32 = 0) throws -> Data {
        try handle.with { h in
            var out: UnsafeMutablePointer<UInt8>?
            var n = 0
            try check(ssdk_client_attachment_bytes(h, messageID, index, &out, &n))
            return takeBytes(out, n)
        }
    }

    /// Cancel an upload or download in progress.
    public func cancelTransfer(_ messageID: Int64, index: UInt32 = 0) throws {
        try call { ssdk_client_cancel_transfer($0, messageID, index) }
    }

    // MARK: groups
    // The calls that change a group block until its swarm stored the change: call them off the
    // main thread, and not from a listener callback.

    /// Create a group with this client as admin, inviting `members` (at most 99); returns its ID.
    public func createGroup(name: String, description: String? = nil, members: [String] = []) throws -> String {
        try handle.with { h in
            let strings: [String?] = [name, description] + members.map { Optional($0) }
            return try withCStrings(strings, ["name", "description"] + members.map { _ in "members" }) { s in
                let list = Array(s.dropFirst(2))
                var out: UnsafeMutablePointer<CChar>?
                try check(ssdk_client_group_create(h, s[0], s[1], list, list.count, &out))
                return takeString(out)
            }
        }
    }

    private func groupMembersCall(_ groupID: String, _ members: [String],
                                  _ body: (OpaquePointer, UnsafePointer<CChar>?, [UnsafePointer<CChar>?]) -> ssdk_status) throws {
        try handle.with { h in
            let strings: [String?] = [groupID] + members.map { Optional($0) }
            try withCStrings(strings, ["group_id"] + members.map { _ in "members" }) { s in
                try check(body(h, s[0], Array(s.dropFirst())))
            }
        }
    }

    public func groupInvite(_ groupID: String, members: [String]) throws {
        try groupMembersCall(groupID, members) { ssdk_client_group_invite($0, $1, $2, $2.count) }
    }
    public func groupRemove(_ groupID: String, members: [String]) throws {
        try groupMembersCall(groupID, members) { ssdk_client_group_remove($0, $1, $2, $2.count) }
    }
    public func groupPromote(_ groupID: String, member: String) throws {
        try withNickname(groupID, member) { ssdk_client_group_promote($0, $1, $2) }
    }
    public func groupRename(_ groupID: String, to name: String) throws {
        try withNickname(groupID, name) { ssdk_client_group_rename($0, $1, $2) }
    }
    public func groupSetDescription(_ groupID: String, _ description: String) throws {
        try withNickname(groupID, description) { ssdk_client_group_set_description($0, $1, $2) }
    }
    public func groupLeave(_ groupID: String) throws { try withSessionID(groupID, "group_id") { ssdk_client_group_leave($0, $1) } }
    public func groupAcceptInvite(_ groupID: String) throws { try withSessionID(groupID, "group_id") { ssdk_client_group_accept_invite($0, $1) } }
    public func groupDeclineInvite(_ groupID: String) throws { try withSessionID(groupID, "group_id") { ssdk_client_group_decline_invite($0, $1) } }

    public func groups() throws -> [Group] { try decode([Group].self, try callString { ssdk_client_groups_json($0, $1) }) }

    public func groupMembers(_ groupID: String) throws -> [GroupMember] {
        let json: String = try handle.with { h in
            try withCStrings([groupID], ["group_id"]) { s in
                var out: UnsafeMutablePointer<CChar>?
                try check(ssdk_client_group_members_json(h, s[0], &out))
                return takeString(out)
            }
        }
        return try decode([GroupMember].self, json)
    }

    // MARK: events

    /// Wait up to `timeout` seconds for the next event (pull mode); nil when none came.
    public func nextEvent(timeout: Double) throws -> Event? {
        let deadline = Date().addingTimeInterval(max(0, timeout))
        repeat {
            let wait = max(0, min(0.2, deadline.timeIntervalSinceNow))
            var ev: OpaquePointer?
            let code: Int32 = try handle.with { h in
                let st = ssdkswift_code(ssdk_client_next_event(h, UInt32(wait * 1000), &ev))
                if st != 0 && st != SessionError.timeout("").code {
                    throw SessionError.from(code: st, message: String(cString: ssdk_last_error_message()))
                }
                return st
            }
            if code == 0, let ev = ev {
                defer { ssdk_event_free(ev) }
                return Event(ev)
            }
        } while deadline.timeIntervalSinceNow > 0
        return nil
    }

    /// Deliver events to `onEvent` on one SDK thread, never concurrently (events already queued
    /// come first). `onRemoved` runs once when this listener is replaced or removed or the client
    /// is closed. The callback may call the client, including `close()`.
    public func setListener(_ onEvent: @escaping (Event) -> Void, onRemoved: (() -> Void)? = nil) throws {
        _ = try installListener(onEvent, onRemoved: onRemoved)
    }

    /// Install a listener; returns its generation.
    private func installListener(_ onEvent: @escaping (Event) -> Void, onRemoved: (() -> Void)?) throws -> Int {
        streamLock.lock()
        streamGeneration += 1
        let generation = streamGeneration
        streamLock.unlock()
        let box = Unmanaged.passRetained(ListenerBox(onEvent: onEvent, onRemoved: onRemoved))
        let listener = ssdk_listener(ctx: box.toOpaque(), on_event: onEventTrampoline, destroy: destroyTrampoline)
        do {
            try call { ssdk_client_set_listener($0, listener) }
        } catch {
            box.release() // the SDK did not take it: destroy will never be called
            throw error
        }
        return generation
    }

    /// Remove the listener (its `onRemoved` runs on the SDK's thread).
    public func removeListener() throws {
        streamLock.lock()
        streamGeneration += 1
        streamLock.unlock()
        try call { ssdk_client_set_listener($0, ssdkswift_no_listener()) }
    }

    /// Events as an `AsyncStream`, through a listener: the stream replaces any listener, and
    /// ending the iteration (or closing the client) removes it and finishes the stream.
    public func events() -> AsyncStream<Event> {
        AsyncStream { continuation in
            let generation: Int
            do {
                generation = try installListener({ continuation.yield($0) }, onRemoved: { continuation.finish() })
            } catch {
                continuation.finish()
                return
            }
            continuation.onTermination = { [weak self] _ in
                guard let self = self else { return }
                self.streamLock.lock()
                let current = self.streamGeneration == generation
                self.streamLock.unlock()
                if current { try? self.removeListener() }
            }
        }
    }
}
