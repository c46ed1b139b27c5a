import Foundation
@testable import FuseHub
import FuseModels

/// The repositories the loopback Hub serves, built from the tiny sentence-transformers BERT in
/// `Tests/Fixtures/models/bert` (configs, a 250 KB safetensors file as the LFS blob, tokenizer files, module folders),
/// plus files the default selection must skip.
enum HubFixtures {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let bertFolder = fixtures.appendingPathComponent("models/bert")

    static let commit = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c"
    static let otherCommit = "0123456789abcdef0123456789abcdef01234567"
    static let token = "hf_loopback_test_token"

    /// The bert fixture's files (`lfs` for the safetensors), relative paths sorted.
    static func bertFiles() throws -> [LoopbackHub.File] {
        let names = [
            "1_Pooling/config.json", "2_Normalize/config.json", "config.json",
            "config_sentence_transformers.json", "model.safetensors", "modules.json",
            "sentence_bert_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
        ]
        return try names.map { name in
            LoopbackHub.File(
                path: name, content: try Data(contentsOf: bertFolder.appendingPathComponent(name)),
                lfs: name.hasSuffix(".safetensors"))
        }
    }

    static let gpt2Folder = fixtures.appendingPathComponent("llm/gpt2-a")

    /// The tiny GPT-2 of the FuseLLM fixtures (`Tests/Fixtures/llm/gpt2-a`), its safetensors as the LFS blob.
    static func gpt2Files() throws -> [LoopbackHub.File] {
        try ["config.json", "model.safetensors", "tokenizer.json"].map { name in
            LoopbackHub.File(
                path: name, content: try Data(contentsOf: gpt2Folder.appendingPathComponent(name)),
                lfs: name.hasSuffix(".safetensors"))
        }
    }

    /// Files a real repository has that Fuse must not download by default.
    static let extras: [LoopbackHub.File] = [
        LoopbackHub.File(path: "README.md", content: Data("# tiny bert\n".utf8), lfs: false),
        LoopbackHub.File(path: "pytorch_model.bin", content: Data(repeating: 0x80, count: 4096), lfs: true),
        LoopbackHub.File(path: "onnx/model.onnx", content: Data(repeating: 7, count: 2048), lfs: true),
        LoopbackHub.File(path: ".gitattributes", content: Data("*.safetensors filter=lfs\n".utf8), lfs: false),
    ]

    static func repositories() throws -> [LoopbackHub.Repository] {
        let bert = try bertFiles()
        let config = bert.first { $0.path == "config.json" }!
        let weights = bert.first { $0.path == "model.safetensors" }!
        var corrupt = weights
        var wrong = weights.content
        wrong[wrong.count / 2] ^= 0xFF
        corrupt.served = wrong
        return [
            .init(
                id: "fuse-test/tiny-bert", commit: commit, refs: ["main": commit, "v1": commit],
                files: bert + extras),
            .init(
                id: "fuse-test/pickles-only", commit: commit, refs: ["main": commit],
                files: [
                    config,
                    LoopbackHub.File(
                        path: "pytorch_model.bin", content: Data(repeating: 1, count: 999),
                        lfs: true),
                ]),
            .init(
                id: "fuse-test/gated", commit: otherCommit, refs: ["main": otherCommit], files: bert,
                gatedToken: token),
            .init(id: "fuse-test/corrupt", commit: otherCommit, refs: ["main": otherCommit], files: [config, corrupt]),
            .init(
                id: "fuse-test/tiny-gpt2", commit: commit, refs: ["main": commit],
                files: try gpt2Files() + extras),
            .init(
                id: "fuse-test/missing-file", commit: commit, refs: ["main": commit], files: bert,
                missing: ["tokenizer.json"]),
        ]
    }

    /// A fresh, empty hub folder under the temporary directory.
    static func temporaryHub() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root.appendingPathComponent("hub")
    }

    static func environment(
        _ hub: LoopbackHub, cache: URL, token: String? = nil, offline: Bool = false
    ) throws
        -> HubEnvironment
    {
        try HubEnvironment(endpoint: hub.endpoint, token: token, offline: offline, cache: HuggingFaceCache(hub: cache))
    }

    /// Every file below `folder` (recursively, symlinks not followed), as relative paths.
    static func tree(_ folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return enumerator.compactMap { $0 as? String }.sorted()
    }
}
