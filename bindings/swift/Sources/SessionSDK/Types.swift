import CSessionSDK
import Foundation

/// `ssdk_event_type` (stable numbers).
public enum EventKind: Int32, Sendable, CaseIterable {
    case messageReceived = 1
    case messageSynced = 2
    case messageState = 3
    case messageRequest = 4
    case contactChanged = 5
    case connection = 6
    case log = 7
    case attachmentProgress = 8
    case attachmentDone = 9
    case attachmentFailed = 10
    case groupInvite = 11
    case groupUpdate = 12
    case profileChanged = 13
    case caughtUp = 14
    case conversationRead = 15
    case backupProgress = 16
}

/// `ssdk_message_state`: delivery state of outgoing messages (`.received` for incoming).
public enum MessageState: Int32, Sendable, Codable {
    case sending = 0
    case sent = 1
    case failed = 2
    case received = 3

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let name = try? c.decode(String.self) {
            switch name.lowercased() {
            case "sending": self = .sending
            case "sent": self = .sent
            case "failed": self = .failed
            case "received": self = .received
            default: throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown message state \(name)")
            }
        } else {
            let n = try c.decode(Int32.self)
            guard let s = MessageState(rawValue: n) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown message state \(n)")
            }
            self = s
        }
    }
}

/// `ssdk_log_level`.
public enum LogLevel: Int32, Sendable {
    case debug = 0, info = 1, warn = 2, error = 3, off = 4
}

/// An event, copied out of the SDK's (so it outlives it). Which fields are set depends on
/// `kind`, as the header documents; `json` is the SDK's JSON rendering of the whole event.
public struct Event: Sendable {
    /// The kind, or nil for a kind newer than this binding (`rawKind` has the number).
    public let kind: EventKind?
    public let rawKind: Int32
    public let messageID: Int64
    public let conversation: String?
    public let sender: String?
    public let text: String?
    /// Sender's timestamp of a message, in milliseconds since the epoch.
    public let timestamp: Int64
    /// Message state, 1/0 for connections, log level, 1 for "will retry" of a failed upload.
    public let state: Int32
    public let isRequest: Bool
    public let attachmentIndex: UInt32
    public let isUpload: Bool
    public let bytesDone: UInt64
    public let bytesTotal: UInt64
    public let json: String

    init(_ ev: OpaquePointer) {
        func str(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }
        rawKind = ssdk_event_kind(ev)
        kind = EventKind(rawValue: rawKind)
        messageID = ssdk_event_message_id(ev)
        conversation = str(ssdk_event_conversation(ev))
        sender = str(ssdk_event_sender(ev))
        text = str(ssdk_event_text(ev))
        timestamp = ssdk_event_timestamp(ev)
        state = ssdk_event_state(ev)
        isRequest = ssdk_event_is_request(ev)
        attachmentIndex = ssdk_event_attachment_index(ev)
        isUpload = ssdk_event_is_upload(ev)
        bytesDone = ssdk_event_bytes_done(ev)
        bytesTotal = ssdk_event_bytes_total(ev)
        json = str(ssdk_event_json(ev)) ?? "{}"
    }

    /// Delivery state of a message event.
    public var messageState: MessageState? {
        switch kind {
        case .messageReceived, .messageSynced, .messageState: return MessageState(rawValue: state)
        default: return nil
        }
    }

    /// For a connection event: whether onion paths are ready.
    public var connected: Bool? { kind == .connection ? state != 0 : nil }

    /// For a log event: the line's level.
    public var logLevel: LogLevel? { kind == .log ? LogLevel(rawValue: state) : nil }

    /// For a failed transfer: whether the upload will be retried.
    public var willRetry: Bool? { kind == .attachmentFailed ? state != 0 : nil }

    /// The stored message of a received or synced message event.
    public func message() throws -> Message? {
        struct Wrapper: Decodable { let message: Message? }
        return try JSONDecoder().decode(Wrapper.self, from: Data(json.utf8)).message
    }
}

/// A contact, message request or blocked ID.
public struct Contact: Codable, Sendable, Equatable {
    public let sessionID: String
    public let displayName: String?
    public let nickname: String?
    public let approved: Bool
    public let approvedMe: Bool
    public let blocked: Bool
    public let profilePicture: String?
    public let createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", displayName = "display_name", nickname, approved
        case approvedMe = "approved_me", blocked, profilePicture = "profile_picture", createdAt = "created_at"
    }

    /// Nickname, else display name, else the Session ID.
    public var name: String { nickname ?? displayName ?? sessionID }
}

/// One file of a message; `state` is "pending_upload", "uploaded", "upload_failed", "remote"
/// or "downloaded".
public struct Attachment: Codable, Sendable, Equatable {
    public let index: UInt32
    public let fileName: String?
    public let contentType: String?
    public let size: UInt64
    public let voiceNote: Bool
    public let width: UInt32?
    public let height: UInt32?
    public let caption: String?
    public let url: String?
    public let state: String

    enum CodingKeys: String, CodingKey {
        case index, fileName = "file_name", contentType = "content_type", size, voiceNote = "voice_note"
        case width, height, caption, url, state
    }
}

/// A stored message; timestamps in milliseconds since the epoch.
public struct Message: Codable, Sendable, Equatable {
    public let id: Int64
    public let conversation: String
    public let outgoing: Bool
    public let sender: String
    public let body: String?
    public let sentTS: Int64
    public let receivedTS: Int64
    public let state: MessageState
    public let read: Bool
    public let serverHash: String?
    public let extra: String?
    public let attachments: [Attachment]?

    enum CodingKeys: String, CodingKey {
        case id, conversation, outgoing, sender, body, sentTS = "sent_ts", receivedTS = "received_ts"
        case state, read, serverHash = "server_hash", extra, attachments
    }
}

/// A conversation; `kind` is "direct" or "group".
public struct Conversation: Codable, Sendable, Equatable {
    public let id: String
    public let kind: String
    public let createdAt: Int64
    public let lastActivity: Int64
    public let unread: Int64
    public let isRequest: Bool
    public let lastMessage: Message?

    enum CodingKeys: String, CodingKey {
        case id, kind, createdAt = "created_at", lastActivity = "last_activity", unread
        case isRequest = "is_request", lastMessage = "last_message"
    }
}

/// A group we are in or invited to; `state` is "invited", "joined", "kicked" or "left".
public struct Group: Codable, Sendable, Equatable {
    public let id: String
    public let name: String?
    public let description: String?
    public let state: String
    public let isAdmin: Bool
    public let memberCount: Int
    public let inviter: String?

    enum CodingKeys: String, CodingKey {
        case id, name, description, state, isAdmin = "is_admin", memberCount = "member_count", inviter
    }
}

/// A member of a group.
public struct GroupMember: Codable, Sendable, Equatable {
    public let sessionID: String
    public let name: String
    public let admin: Bool
    public let invitePending: Bool
    public let removed: Bool

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", name, admin, invitePending = "invite_pending", removed
    }
}

/// What an encrypted backup holds: its manifest, written when it was taken (the `backup_info`
/// document of `Client.backupCreate`, `Backup.restore` and `Backup.inspect`). `createdAt` is in
/// milliseconds since the epoch; `contacts` counts contacts, message requests and blocked IDs;
/// `attachments` counts the attachments of messages (downloaded or not), `files` the attachment
/// files included (pending uploads and verified downloads).
public struct BackupInfo: Codable, Sendable, Equatable {
    public let sessionID: String
    public let createdAt: Int64
    public let sdkVersion: String
    public let messages: UInt64
    public let conversations: UInt64
    public let contacts: UInt64
    public let groups: UInt64
    public let attachments: UInt64
    public let files: UInt64
    public let databaseBytes: UInt64
    public let fileBytes: UInt64

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", createdAt = "created_at", sdkVersion = "sdk_version", messages
        case conversations, contacts, groups, attachments, files, databaseBytes = "database_bytes"
        case fileBytes = "file_bytes"
    }

    /// `createdAt` as a `Date`.
    public var created: Date { Date(timeIntervalSince1970: TimeInterval(createdAt) / 1000) }
}
