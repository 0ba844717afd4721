import CSessionSDK
import Foundation

/// A Session identity: key pair, Session ID and recovery phrase. Immutable; the SDK allows a
/// handle to be used from several threads at once, so it is `Sendable`. Released (and its secrets
/// wiped) by `close()` or when the last reference goes.
public final class Identity: @unchecked Sendable {
    private let handle: HandleGuard
    /// The Session ID: 66 lowercase hex characters starting "05".
    public let sessionID: String
    /// The 32-byte Ed25519 public key.
    public let ed25519PublicKey: Data

    private init(taking p: OpaquePointer) throws {
        var out: UnsafeMutablePointer<CChar>?
        var key = [UInt8](repeating: 0, count: 32)
        do {
            try check(ssdk_identity_session_id(p, &out))
            try check(ssdk_identity_ed25519_public_key(p, &key))
        } catch {
            ssdk_identity_free(p)
            throw error
        }
        sessionID = takeString(out)
        ed25519PublicKey = Data(key)
        handle = HandleGuard(p, what: "identity") { ssdk_identity_free($0) }
    }

    deinit { handle.close() }

    /// A new random identity (16-byte seed, 13-word recovery phrase).
    public static func generate() throws -> Identity {
        try SessionLibrary.ensureABI()
        var p: OpaquePointer?
        try check(ssdk_identity_generate(&p))
        return try Identity(taking: p!)
    }

    /// Restore from a 16-byte (Session apps) or 32-byte seed; other lengths throw `.invalidKey`.
    public static func fromSeed(_ seed: Data) throws -> Identity {
        try SessionLibrary.ensureABI()
        var p: OpaquePointer?
        try seed.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            try check(ssdk_identity_from_seed(buf.bindMemory(to: UInt8.self).baseAddress, buf.count, &p))
        }
        return try Identity(taking: p!)
    }

    /// Restore from a recovery phrase (13 words, or 25 for a 32-byte seed). Throws
    /// `.mnemonicWordCount`, `.mnemonicUnknownWord` (the message names the word) or
    /// `.mnemonicChecksum`.
    public static func fromMnemonic(_ phrase: String) throws -> Identity {
        try SessionLibrary.ensureABI()
        var p: OpaquePointer?
        try withCStrings([phrase], ["phrase"]) { s in try check(ssdk_identity_from_mnemonic(s[0], &p)) }
        return try Identity(taking: p!)
    }

    /// The recovery phrase (secret), words separated by single spaces.
    public func mnemonic() throws -> String {
        try handle.with { h in
            var out: UnsafeMutablePointer<CChar>?
            try check(ssdk_identity_mnemonic(h, &out))
            return takeString(out)
        }
    }

    /// The 32-byte seed (secret); identities from 16 bytes or 13 words end in 16 zero bytes.
    public func seed() throws -> Data {
        try handle.with { h in
            var buf = [UInt8](repeating: 0, count: 32)
            defer { for i in buf.indices { buf[i] = 0 } }
            try check(ssdk_identity_seed(h, &buf))
            return Data(buf)
        }
    }

    /// Seal `message` for a recipient with the Session protocol, signed by this identity
    /// (`message.count + 144` bytes).
    public func encrypt(for recipient: String, _ message: Data) throws -> Data {
        try handle.with { h in
            try withCStrings([recipient], ["recipient"]) { s in
                var out: UnsafeMutablePointer<UInt8>?
                var outLen = 0
                try message.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
                    try check(ssdk_encrypt_for_recipient(h, s[0], buf.bindMemory(to: UInt8.self).baseAddress, buf.count, &out, &outLen))
                }
                return takeBytes(out, outLen)
            }
        }
    }

    /// Open a Session-protocol message addressed to this identity and verify its sender.
    /// Throws `.decryptionFailed` or `.badSignature`.
    public func decrypt(_ sealed: Data) throws -> (plaintext: Data, sender: String) {
        try handle.with { h in
            var out: UnsafeMutablePointer<UInt8>?
            var outLen = 0
            var sender: UnsafeMutablePointer<CChar>?
            try sealed.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
                try check(ssdk_decrypt_incoming(h, buf.bindMemory(to: UInt8.self).baseAddress, buf.count, &out, &outLen, &sender))
            }
            let from = takeString(sender)
            return (takeBytes(out, outLen), from)
        }
    }

    /// Release the identity now (idempotent); later calls throw `.closed`.
    public func close() { handle.close() }

    /// Run `body` with the native handle (for `ClientConfig.identity`).
    func withHandle<R>(_ body: (OpaquePointer) throws -> R) throws -> R { try handle.with(body) }

    /// Check a Session ID; throws `.invalidSessionID` saying what is wrong.
    public static func validate(sessionID: String) throws {
        try SessionLibrary.ensureABI()
        try withCStrings([sessionID], ["session_id"]) { s in try check(ssdk_session_id_validate(s[0])) }
    }

    /// Whether `sessionID` is a valid Session ID.
    public static func isValid(sessionID: String) -> Bool {
        (try? validate(sessionID: sessionID)) != nil
    }

    /// The community-blinded ID of a Session ID on a community server (kind 15 or 25).
    public static func blindedID(of sessionID: String, serverPubkeyHex: String, kind: Int32 = 15) throws -> String {
        try SessionLibrary.ensureABI()
        return try withCStrings([sessionID, serverPubkeyHex], ["session_id", "server_pubkey_hex"]) { s in
            var out: UnsafeMutablePointer<CChar>?
            try check(ssdk_blinded_id(s[0], s[1], kind, &out))
            return takeString(out)
        }
    }

    /// Whether `blindedID` is the blinded form of `sessionID` on that community server.
    public static func blindedID(_ blindedID: String, matches sessionID: String, serverPubkeyHex: String) throws -> Bool {
        try SessionLibrary.ensureABI()
        return try withCStrings([sessionID, blindedID, serverPubkeyHex], ["session_id", "blinded_id", "server_pubkey_hex"]) { s in
            var matches: Int32 = 0
            try check(ssdk_blinded_id_matches(s[0], s[1], s[2], &matches))
            return matches != 0
        }
    }
}
