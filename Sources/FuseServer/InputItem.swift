import Foundation
import Fuse

/// One thing to embed, as a request gives it: text, token ids of the model's tokenizer, or the bytes of an image
/// or a sound (decoded from a data URI).
public enum InputItem: Sendable, Equatable {
    case text(String)
    case tokenIDs([Int])
    case image(Data)
    case audio(Data)

    /// The modality the item becomes.
    public var modality: Modality {
        switch self {
        case .text, .tokenIDs: .text
        case .image: .image
        case .audio: .audio
        }
    }

    /// Builds the item for a string of a request whose modality is `modality` (`"text"`, `"image"`, `"audio"`):
    /// text as it is, images and sounds from `data:` URIs only.
    public init(string: String, modality: String, index: Int) throws {
        switch modality {
        case "text":
            self = .text(string)
        case "image", "audio":
            let uri: DataURI
            do { uri = try DataURI(parsing: string) } catch {
                throw ServerError.invalidInput("input \(index): \(error)")
            }
            self = modality == "image" ? .image(uri.bytes) : .audio(uri.bytes)
        default:
            throw ServerError.invalidInput("modality '\(modality)' is not one of text, image, audio")
        }
    }
}
