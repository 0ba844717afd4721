import CSessionSDK

/// An error reported by session-sdk: one case per `ssdk_status` error code, each carrying the
/// SDK's explanation (`ssdk_last_error_message()`, "KIND: explanation"), plus the binding's own
/// `.closed` (use after `close()`) and `.abiMismatch`.
public enum SessionError: Error, Equatable, Sendable, CustomStringConvertible {
    case internalError(String)
    case nullArgument(String)
    case invalidUTF8(String)
    case invalidArgument(String)
    case invalidSessionID(String)
    case mnemonicWordCount(String)
    case mnemonicUnknownWord(String)
    case mnemonicChecksum(String)
    case invalidKey(String)
    case decryptionFailed(String)
    case badSignature(String)
    case malformed(String)
    case unsupported(String)
    case network(String)
    case timeout(String)
    case wrongPIN(String)
    case database(String)
    case notFound(String)
    case tooLarge(String)
    case groupFull(String)
    case permissionDenied(String)
    case cancelled(String)
    case notRunning(String)
    case io(String)
    case blocked(String)
    case busy(String)
    /// A status code newer than this binding.
    case unknown(code: Int32, message: String)
    /// The object was closed; the C ABI would report `SSDK_ERR_NULL_ARGUMENT` for its handle.
    case closed(String)
    /// The library's C ABI version differs from the one this binding was written for.
    case abiMismatch(String)

    /// The `ssdk_status` code (`SSDK_ERR_NULL_ARGUMENT` for `.closed`, 0 for `.abiMismatch`).
    public var code: Int32 {
        switch self {
        case .internalError: return -1
        case .nullArgument, .closed: return -2
        case .invalidUTF8: return -3
        case .invalidArgument: return -4
        case .invalidSessionID: return -5
        case .mnemonicWordCount: return -6
        case .mnemonicUnknownWord: return -7
        case .mnemonicChecksum: return -8
        case .invalidKey: return -9
        case .decryptionFailed: return -10
        case .badSignature: return -11
        case .malformed: return -12
        case .unsupported: return -13
        case .network: return -14
        case .timeout: return -15
        case .wrongPIN: return -16
        case .database: return -17
        case .notFound: return -18
        case .tooLarge: return -19
        case .groupFull: return -20
        case .permissionDenied: return -21
        case .cancelled: return -22
        case .notRunning: return -23
        case .io: return -24
        case .blocked: return -25
        case .busy: return -26
        case .unknown(let code, _): return code
        case .abiMismatch: return 0
        }
    }

    /// The SDK's explanation.
    public var message: String {
        switch self {
        case .internalError(let m), .nullArgument(let m), .invalidUTF8(let m), .invalidArgument(let m),
             .invalidSessionID(let m), .mnemonicWordCount(let m), .mnemonicUnknownWord(let m),
             .mnemonicChecksum(let m), .invalidKey(let m), .decryptionFailed(let m), .badSignature(let m),
             .malformed(let m), .unsupported(let m), .network(let m), .timeout(let m), .wrongPIN(let m),
             .database(let m), .notFound(let m), .tooLarge(let m), .groupFull(let m),
             .permissionDenied(let m), .cancelled(let m), .notRunning(let m), .io(let m), .blocked(let m),
             .busy(let m), .closed(let m), .abiMismatch(let m):
            return m
        case .unknown(_, let m):
            return m
        }
    }

    /// The stable name of the code, such as "SSDK_ERR_WRONG_PIN" (`ssdk_status_name`).
    public var statusName: String {
        if case .abiMismatch = self { return "SSDK_ABI_MISMATCH" }
        return String(cString: ssdk_status_name(code))
    }

    public var description: String { "SessionError(\(statusName)): \(message)" }

    /// The error for a status code and message.
    public static func from(code: Int32, message: String) -> SessionError {
        switch code {
        case -1: return .internalError(message)
        case -2: return .nullArgument(message)
        case -3: return .invalidUTF8(message)
        case -4: return .invalidArgument(message)
        case -5: return .invalidSessionID(message)
        case -6: return .mnemonicWordCount(message)
        case -7: return .mnemonicUnknownWord(message)
        case -8: return .mnemonicChecksum(message)
        case -9: return .invalidKey(message)
        case -10: return .decryptionFailed(message)
        case -11: return .badSignature(message)
        case -12: return .malformed(message)
        case -13: return .unsupported(message)
        case -14: return .network(message)
        case -15: return .timeout(message)
        case -16: return .wrongPIN(message)
        case -17: return .database(message)
        case -18: return .notFound(message)
        case -19: return .tooLarge(message)
        case -20: return .groupFull(message)
        case -21: return .permissionDenied(message)
        case -22: return .cancelled(message)
        case -23: return .notRunning(message)
        case -24: return .io(message)
        case -25: return .blocked(message)
        case -26: return .busy(message)
        default: return .unknown(code: code, message: message)
        }
    }
}

/// Turn a status into a thrown error with the calling thread's last SDK message. Call it right
/// after the SDK call, on the same thread (synchronous code always is).
@inline(__always)
func check(_ status: ssdk_status) throws {
    let code = ssdkswift_code(status)
    if code != 0 {
        throw SessionError.from(code: code, message: String(cString: ssdk_last_error_message()))
    }
}
