// The library example README.md shows, verbatim (ReadmeTests checks that the README block is this text and runs it).
import Foundation
import Fuse

/// Which caption is nearest to a photo, and the photo and its sound fused into one vector, with the bundled model.
func nearestCaption(repository: URL) async throws -> (caption: String, fused: Embedding) {
    let runtime = try FuseRuntime(modelDirectory: repository.appendingPathComponent("models/fuse-mini"))
    let photo = try await runtime.embed(file: repository.appendingPathComponent("samples/images/camera.png"))
    let sound = try await runtime.embed(file: repository.appendingPathComponent("samples/audio/camera.wav"))

    var best = (caption: "", similarity: -Float.infinity)
    for caption in ["a man with an old camera on a tripod", "a rocket on the launch pad", "a cup of coffee"] {
        let similarity = try photo.cosineSimilarity(to: try await runtime.embed(text: caption))
        if similarity > best.similarity { best = (caption, similarity) }
    }
    let fused = try LateFusion.fuse([photo, sound], strategy: .mean).embedding
    return (best.caption, fused)
}
