/// A kind of input: an open set. Fuse ships text, image and audio; plugins may add their own.
///
/// ```swift
/// let tabular = Modality("tabular")
/// ```
public struct Modality: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The modality's name, as plugins and model folders spell it (lower case by convention).
    public let name: String

    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }

    public static let text = Modality("text")
    public static let image = Modality("image")
    public static let audio = Modality("audio")

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        name = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
