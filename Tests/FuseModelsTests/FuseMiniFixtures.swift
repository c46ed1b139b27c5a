import Foundation
import FuseCore
import FuseModels
import FuseTestSupport

/// The fuse-mini parity fixtures (`Tests/Fixtures/fuse-mini`, written by tools/train_fuse_mini/reference_outputs.py)
/// and the model folder they were made with (`models/fuse-mini`, completed by tools/setup_models.sh).
enum FuseMiniFixtures {
    /// One sample file the reference embedded.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let file: String
        let modality: String
        let intermediates: Bool
        var description: String { file }
    }

    struct Manifest: Decodable {
        struct Entry: Decodable {
            let name: String
            let file: String
            let modality: String
            let intermediates: Bool
        }
        struct SampleTable: Decodable {
            let own_first: Int
            let inputs: Int
            let nearest: [String: String]
            let group: [String: String]
        }
        let cases: [Entry]
        let texts: [String]
        let sample_table: SampleTable?
    }

    static let folder = FixturePaths.url("fuse-mini")

    /// The repository root (samples/ and models/ live there).
    static var repository: URL {
        folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `models/fuse-mini`, or a named error telling how to complete it when its encoder weights are absent.
    static func modelFolder() throws -> URL {
        let model = repository.appendingPathComponent("models/fuse-mini")
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("encoder.safetensors").path) else {
            throw ModelError.modelFolderMissing(
                path: model.path,
                hint: "run tools/setup_models.sh to assemble encoder.safetensors")
        }
        return model
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    }

    static func reference() throws -> SafetensorsFile {
        try SafetensorsFile(url: folder.appendingPathComponent("reference.safetensors"))
    }

    /// The cases, read when the test list is built (an unreadable manifest yields no cases; `manifestReadable`
    /// then fails).
    static let cases: [Case] = {
        guard let manifest = try? manifest() else { return [] }
        return manifest.cases.map {
            Case(name: $0.name, file: $0.file, modality: $0.modality, intermediates: $0.intermediates)
        }
    }()

    static func url(of file: String) -> URL { repository.appendingPathComponent(file) }
}
