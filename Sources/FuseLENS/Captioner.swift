import FuseCore

/// A captioning model that can plug into LENS descriptions. Fuse ships none yet; when a `Describer` has no
/// captioner, descriptions carry no captions and the prompt leaves the section out.
public protocol Captioner: Sendable {
    /// An identifier for messages and JSON output.
    var id: String { get }
    /// Captions for an image, most likely first.
    func captions(for image: ImageBuffer, count: Int) async throws -> [String]
}
