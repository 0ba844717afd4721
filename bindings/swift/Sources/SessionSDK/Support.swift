import CSessionSDK
import Foundation

/// The SDK's version and C ABI, and the check this binding makes before its first call.
public enum SessionLibrary {
    /// The C ABI version this binding was written for.
    public static let bindingABIVersion: UInt32 = 1

    /// The library's version, "MAJOR.MINOR.PATCH".
    public static var version: String { String(cString: ssdk_version()) }

    /// The loaded library's C ABI version.
    public static var abiVersion: UInt32 { ssdk_abi_version() }

    /// The largest number of members a group can have.
    public static var maxGroupMembers: UInt32 { ssdk_max_group_members() }

    /// The largest attachment the SDK sends, in bytes.
    public static var maxAttachmentSize: UInt64 { ssdk_max_attachment_size() }

    /// Compare the header's and the library's C ABI versions with the binding's. Runs once, at
    /// the first use of the binding (Swift has no load-time hook); every constructor and static
    /// entry point calls it and throws `.abiMismatch` with both versions named.
    static let abiCheck: Result<Void, SessionError> = checkABI(
        binding: bindingABIVersion, header: ssdkswift_header_abi_version(), library: ssdk_abi_version())

    static func checkABI(binding: UInt32, header: UInt32, library: UInt32) -> Result<Void, SessionError> {
        if library != binding {
            return .failure(.abiMismatch(
                "SessionSDK was written for C ABI version \(binding), but the loaded libsession_sdk implements C ABI version \(library); use the binding and the library of the same session-sdk release"))
        }
        if header != binding {
            return .failure(.abiMismatch(
                "SessionSDK was written for C ABI version \(binding), but it was compiled against a session_sdk.h declaring SSDK_ABI_VERSION \(header)"))
        }
        return .success(())
    }

    static func ensureABI() throws { try abiCheck.get() }
}

/// Copies of Swift strings as C strings for one call (freed afterwards). A Swift string is valid
/// UTF-8 by construction; an embedded NUL would cut it short in C, so it is refused.
func withCStrings<R>(_ strings: [String?], _ names: [String], _ body: ([UnsafePointer<CChar>?]) throws -> R) throws -> R {
    var copies: [UnsafeMutablePointer<CChar>?] = []
    defer { copies.forEach { free($0) } }
    for (i, s) in strings.enumerated() {
        guard let s = s else {
            copies.append(nil)
            continue
        }
        if s.utf8.contains(0) {
            throw SessionError.invalidArgument("INVALID_ARGUMENT: \(names[i]) contains a NUL character")
        }
        copies.append(strdup(s))
    }
    return try body(copies.map { $0.map { UnsafePointer($0) } })
}

/// Take a string the SDK returned (owned by the caller) and release it with `ssdk_string_free`.
func takeString(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p = p else { return "" }
    defer { ssdk_string_free(p) }
    return String(cString: p)
}

/// Take a buffer the SDK returned and release it with `ssdk_bytes_free`.
func takeBytes(_ p: UnsafeMutablePointer<UInt8>?, _ n: Int) -> Data {
    guard let p = p else { return Data() }
    defer { ssdk_bytes_free(p, n) }
    return Data(bytes: p, count: n)
}

/// Owns one native handle: counts the calls using it; `close` refuses new calls (`.closed`),
/// waits for the running ones, then frees the handle exactly once. The SDK requires that a
/// handle is freed only after every other thread has finished with it.
final class HandleGuard: @unchecked Sendable {
    private let cond = NSCondition()
    private var handle: OpaquePointer?
    private var users = 0
    private var closing = false
    private let what: String
    private let free: (OpaquePointer) -> Void

    init(_ handle: OpaquePointer, what: String, free: @escaping (OpaquePointer) -> Void) {
        self.handle = handle
        self.what = what
        self.free = free
    }

    var isClosed: Bool {
        cond.lock()
        defer { cond.unlock() }
        return closing
    }

    /// Run `body` with the handle, or throw `.closed`.
    func with<R>(_ body: (OpaquePointer) throws -> R) throws -> R {
        cond.lock()
        guard !closing, let h = handle else {
            cond.unlock()
            throw SessionError.closed("NULL_ARGUMENT: the \(what) is closed")
        }
        users += 1
        cond.unlock()
        defer {
            cond.lock()
            users -= 1
            if users == 0 { cond.broadcast() }
            cond.unlock()
        }
        return try body(h)
    }

    /// Refuse new calls; false when closing had already begun.
    func beginClose() -> Bool {
        cond.lock()
        defer { cond.unlock() }
        if closing { return false }
        closing = true
        return true
    }

    /// Wait for the calls in flight, then free the handle (once).
    func finishClose() {
        cond.lock()
        while users > 0 { cond.wait() }
        let h = handle
        handle = nil
        cond.unlock()
        if let h = h { free(h) }
    }

    func close() {
        if beginClose() { finishClose() }
    }
}
