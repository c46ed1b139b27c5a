import Foundation

/// An RFC 2397 `data:` URI carrying an image or a sound: `data:<mime>[;param=value…];base64,<payload>`.
///
/// The server takes media only this way. A request that names a file path or a remote URL is refused: the server
/// never reads a path or fetches an address named in a request.
public struct DataURI: Sendable, Equatable {
    /// The media type, lower-cased (`image/png`, `audio/wav`, …); empty when the URI gives none.
    public let mediaType: String
    /// The decoded payload.
    public let bytes: Data

    /// Why a string is not a usable data URI.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case notADataURI(scheme: String)
        case missingComma
        case notBase64
        case invalidBase64
        case empty

        public var description: String {
            switch self {
            case .notADataURI(let scheme):
                "expected a data:<mime>;base64,… URI, got a '\(scheme)' reference (the server never reads files or "
                    + "fetches URLs named in a request)"
            case .missingComma: "data URI without the ',' that starts its payload"
            case .notBase64: "data URI is not ';base64' encoded"
            case .invalidBase64: "data URI payload is not valid base64"
            case .empty: "data URI payload is empty"
            }
        }
    }

    /// Parses `string`; whitespace and line breaks inside the base64 payload are ignored.
    public init(parsing string: String) throws {
        let utf8 = Substring(string).utf8
        guard utf8.count >= 5, string.prefix(5).lowercased() == "data:" else {
            let scheme = string.split(separator: ":", maxSplits: 1).first.map { String($0.prefix(16)) } ?? ""
            throw ParseError.notADataURI(scheme: string.contains(":") ? scheme : "path")
        }
        guard let comma = string.firstIndex(of: ",") else { throw ParseError.missingComma }
        let header = string[string.index(string.startIndex, offsetBy: 5)..<comma]
        let parameters = header.split(separator: ";", omittingEmptySubsequences: false)
        guard parameters.count >= 2, parameters.last?.lowercased() == "base64" else { throw ParseError.notBase64 }
        let payload = string[string.index(after: comma)...]
        guard !payload.isEmpty else { throw ParseError.empty }
        // Only the base64 alphabet and whitespace; `.ignoreUnknownCharacters` then skips just the whitespace.
        guard payload.utf8.allSatisfy(Self.isBase64OrSpace),
            let data = Data(base64Encoded: String(payload), options: .ignoreUnknownCharacters)
        else { throw ParseError.invalidBase64 }
        guard !data.isEmpty else { throw ParseError.empty }
        mediaType = parameters[0].trimmingCharacters(in: .whitespaces).lowercased()
        bytes = data
    }

    private static func isBase64OrSpace(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="),
            9, 10, 13, 32:
            true
        default:
            false
        }
    }
}
