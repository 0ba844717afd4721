import CSessionSDK
import Foundation

/// What a restore's C context points at for the duration of the call (`Unmanaged`, unretained:
/// `Backup.restore` keeps it alive with `withExtendedLifetime`): the closure, and the error it
/// threw, if any.
private final class ProgressBox {
    let progress: (UInt64, UInt64) throws -> Bool
    var error: Error?
    init(_ progress: @escaping (UInt64, UInt64) throws -> Bool) { self.progress = progress }
}

/// `ssdk_progress_fn`. Nothing may unwind into C: an error the closure throws is kept for
/// `Backup.restore` to throw again, and the restore is cancelled (false).
private let progressTrampoline: @convention(c) (UnsafeMutableRawPointer?, UInt64, UInt64) -> Bool = { ctx, done, total in
    guard let ctx = ctx else { return false }
    let box = Unmanaged<ProgressBox>.fromOpaque(ctx).takeUnretainedValue()
    if box.error != nil { return false }
    do {
        return try box.progress(done, total)
    } catch {
        box.error = error
        return false
    }
}

/// Encrypted backups that need no client: restore one into a new data directory, or verify one
/// and say what it holds. Writing one is `Client.backupCreate(to:passphrase:)`.
public enum Backup {
    /// Restore the backup at `path` into `dataDirectory` (which must not exist, or be empty),
    /// protected by `pin` (nil: no PIN, the key is then kept in a file beside the database, as
    /// for a new client), and return what it holds. The whole file is verified before anything
    /// is moved into `dataDirectory`; on any failure nothing is left there. Then open it with a
    /// `ClientConfig` for `dataDirectory` with the same `pin`: the restored client continues
    /// from where the backup was taken and fetches what arrived since. Blocks (the passphrase's
    /// key derivation alone takes about a second); any thread.
    ///
    /// `progress(done, total)` (optional) is called on the calling thread as bytes are restored,
    /// a few times a second and at the end; returning false cancels (`.cancelled`). An error it
    /// throws cancels the restore too and is thrown here, once the SDK has removed what it wrote.
    ///
    /// Throws `.notFound` (no file), `.invalidArgument` (`dataDirectory` not empty, an empty
    /// PIN), `.wrongPIN` (the passphrase does not open it), `.malformed` (not a backup, or
    /// truncated), `.decryptionFailed` (damaged or modified), `.unsupported` (written by a newer
    /// SDK), `.io`, `.cancelled`.
    @discardableResult
    public static func restore(from path: String, passphrase: String, into dataDirectory: String, pin: String? = nil,
                               progress: ((UInt64, UInt64) throws -> Bool)? = nil) throws -> BackupInfo {
        try SessionLibrary.ensureABI()
        let json: String = try withCStrings([path, passphrase, dataDirectory, pin], ["path", "passphrase", "data_dir", "pin"]) { s in
            var out: UnsafeMutablePointer<CChar>?
            guard let progress = progress else {
                try check(ssdk_backup_restore(s[0], s[1], s[2], s[3], nil, nil, &out))
                return takeString(out)
            }
            let box = ProgressBox(progress)
            let code: Int32 = withExtendedLifetime(box) {
                ssdkswift_code(ssdk_backup_restore(
                    s[0], s[1], s[2], s[3], progressTrampoline, Unmanaged.passUnretained(box).toOpaque(), &out))
            }
            if let error = box.error {
                if code == 0 { _ = takeString(out) } // not expected (the last report can cancel); never leak it
                throw error
            }
            if code != 0 {
                // Still on the calling thread: the SDK's last error message is this call's.
                throw SessionError.from(code: code, message: String(cString: ssdk_last_error_message()))
            }
            return takeString(out)
        }
        return try JSONDecoder().decode(BackupInfo.self, from: Data(json.utf8))
    }

    /// Verify the whole backup at `path` with `passphrase` (every byte is authenticated) and say
    /// what it holds, writing nothing. Blocks (about a second for the key derivation, then the
    /// time to read the file). Throws `.notFound`, `.wrongPIN`, `.malformed`,
    /// `.decryptionFailed`, `.unsupported`, `.io`.
    public static func inspect(_ path: String, passphrase: String) throws -> BackupInfo {
        try SessionLibrary.ensureABI()
        let json: String = try withCStrings([path, passphrase], ["path", "passphrase"]) { s in
            var out: UnsafeMutablePointer<CChar>?
            try check(ssdk_backup_inspect(s[0], s[1], &out))
            return takeString(out)
        }
        return try JSONDecoder().decode(BackupInfo.self, from: Data(json.utf8))
    }
}
