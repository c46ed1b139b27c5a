import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// The main job (`fuse --inputs …`) in process, on the tiny Meta-Transformer and the bundled samples.
@Suite("Main job")
struct JobTests {
    @Test("groups: each group fused once; late mean equals LateFusion over runtime.embed(file:) (≤ 1e-5)")
    func groupsLate() async throws {
        let runtime = try JobFixtures.runtime()
        let summary = try await JobFixtures.run(
            JobOptions(source: .groups(JobFixtures.imageAudio), fusion: .late), runtime: runtime)
        #expect(summary.written == 3 && summary.records.map(\.label) == ["cat", "horse", "rocket"])
        for (record, group) in zip(summary.records, JobFixtures.imageAudio) {
            #expect(record.inputs.map(\.modality) == [.image, .audio])
            #expect(record.inputs.map(\.pluginID) == ["image-patch", "audio-frames"])
            var separate: [Embedding] = []
            for file in group.inputs { separate.append(try await runtime.embed(file: file)) }
            let expected = try LateFusion.fuse(separate, strategy: .mean).embedding.vector
            #expect(maxAbsDifference(record.embedding.vector, expected) <= 1e-5)
            #expect(record.weights == [0.5, 0.5] && record.strategy == "mean")
        }
    }

    @Test("early fusion through the job equals EarlyFusion on the same files' tokens (≤ 1e-5)")
    func groupsEarly() async throws {
        let runtime = try JobFixtures.runtime()
        let summary = try await JobFixtures.run(
            JobOptions(source: .groups(JobFixtures.imageAudio), fusion: .early), runtime: runtime)
        #expect(summary.records.count == 3)
        let group = JobFixtures.imageAudio[1]
        let inputs = try group.inputs.map { file in
            let plugin = try runtime.registry.plugin(for: file)
            return FusionInput(
                source: file.path, modality: plugin.modality, pluginID: plugin.id,
                windows: try runtime.tokenize(plugin.decode(contentsOf: file), with: plugin))
        }
        let expected = try EarlyFusion.fuse([inputs], model: runtime.model)[0].embedding.vector
        #expect(maxAbsDifference(summary.records[1].embedding.vector, expected) <= 1e-5)
        #expect(summary.records[1].fusion == .early && summary.records[1].strategy == "early")
        // Joint attention makes early fusion differ from late fusion.
        let late = try await JobFixtures.run(JobOptions(source: .groups([group]), fusion: .late), runtime: runtime)
        #expect(maxAbsDifference(late.records[0].embedding.vector, expected) > 1e-3)
    }

    @Test("manifest with image, audio and text (.ids) groups; fusion none gives one output per input")
    func manifestAndNone() async throws {
        let folder = try JobFixtures.folder()
        let ids = try JobFixtures.idFiles(2, in: folder)
        let manifest = folder.appendingPathComponent("groups.jsonl")
        try JobFixtures.write(
            """
            {"group": "cat", "inputs": ["\(JobFixtures.sample("images/cat.png").path)", "\(ids[0].path)"]}
            # a comment
            {"group": "horse", "inputs": ["\(JobFixtures.sample("audio/horse.wav").path)", "text-1.ids"]}

            """, to: manifest)
        let fused = try await JobFixtures.run(JobOptions(source: .manifest(manifest), fusion: .late, strategy: .max))
        #expect(fused.records.map(\.id) == ["cat", "horse"])
        #expect(fused.records[1].inputs.map(\.modality) == [.audio, .text])
        // max reports each input's share of the dimensions it supplied; shares sum to 1.
        #expect(abs(fused.records[0].weights.reduce(0, +) - 1) <= 1e-6)
        let separate = try await JobFixtures.run(JobOptions(source: .manifest(manifest), fusion: .none))
        #expect(separate.records.map(\.label) == ["cat.png", "text-0.ids", "horse.wav", "text-1.ids"])
        #expect(separate.records.allSatisfy { $0.inputs.count == 1 && $0.strategy == nil })
    }

    @Test("outputs: .safetensors/.npy/.json written whole; an existing file is kept without overwrite")
    func wholeOutputsAndNoClobber() async throws {
        let folder = try JobFixtures.folder()
        for ext in ["safetensors", "npy", "json"] {
            let out = folder.appendingPathComponent("emb.\(ext)")
            let options = JobOptions(source: .groups(JobFixtures.imageAudio), fusion: .late, output: out)
            _ = try await JobFixtures.run(options)
            #expect(FileManager.default.fileExists(atPath: out.path))
            let before = try Data(contentsOf: out)
            await #expect(throws: FuseError.outputExists(path: out.path)) { _ = try await JobFixtures.run(options) }
            #expect(try Data(contentsOf: out) == before)
            var forced = options
            forced.overwrite = true
            _ = try await JobFixtures.run(forced)
        }
        let matrix = try SafetensorsFile(url: folder.appendingPathComponent("emb.safetensors")).tensor("embeddings")
        #expect(matrix.shape == [3, 48])
    }

    @Test("summary: each input with modality and plugin, and an aligned similarity table")
    func summaryText() async throws {
        let options = JobOptions(source: .groups(JobFixtures.imageAudio), fusion: .late)
        let summary = try await JobFixtures.run(options)
        let text = JobReport.text(summary, options: options, modelID: "meta")
        #expect(text.contains("cat.wav") && text.contains("audio-frames") && text.contains("image-patch"))
        #expect(text.contains("cosine similarity of the 3 outputs"))
        let table = try JobReport.similarity(summary).table().split(separator: "\n")
        #expect(table.count == 4 && Set(table.map(\.count)).count == 1)
        #expect(text.contains(String(table[1])))
    }

    @Test("arguments: repeated --inputs become groups; fusion defaults; shard and weights parsing")
    func arguments() throws {
        let marked = JobArguments.markGroups(["--inputs", "a.png", "a.wav", "--quiet", "--inputs=b.png", "b.txt"])
        #expect(
            JobArguments.splitGroups(marked.filter { !$0.hasPrefix("--") })
                == [["a.png", "a.wav"], ["b.png", "b.txt"]])
        let cwd = URL(fileURLWithPath: "/data")
        var arguments = JobArguments()
        arguments.inputGroups = [["a.png", "a.wav"]]
        #expect(try arguments.options(currentDirectory: cwd).fusion == .none)
        arguments.inputGroups.append(["b.png", "b.wav"])
        let options = try arguments.options(currentDirectory: cwd)
        #expect(options.fusion == .late && options.strategy.name == "mean")
        guard case .groups(let groups) = options.source else { Issue.record("expected groups"); return }
        #expect(groups[1].inputs.map(\.path) == ["/data/b.png", "/data/b.wav"])
        arguments.weights = "2, 1"
        arguments.shard = "1/3"
        let weighted = try arguments.options(currentDirectory: cwd)
        let expectedShard = try Shard("1/3")
        #expect(weighted.strategy.name == "weighted" && weighted.shard == expectedShard)
    }

    @Test("no --model and no models/fuse-mini: a named error telling how to get the model")
    func defaultModelMissing() throws {
        let folder = try JobFixtures.folder()
        #expect(
            throws: ModelError.modelFolderMissing(
                path: folder.appendingPathComponent("models/fuse-mini").path,
                hint: "run tools/setup_models.sh (from the repository root) to make the default model")
        ) {
            _ = try JobArguments().modelDirectory(currentDirectory: folder)
        }
    }

    @Test("a JSONL record parses with JSONSerialization, reads back the same Float32 values, escapes odd paths")
    func jsonLineRoundTrip() throws {
        let vector: [Float] = [0.1, -1e-7, 3.4028235e38, 1 / 3, 0]
        let path = "/data/odd \"name\"\n\tfile\u{1}.png"
        let record = JobRecord(
            id: path, label: "odd", inputs: [JobInput(path: path, modality: .image, pluginID: "p")],
            fusion: .none, strategy: nil, weights: [1],
            embedding: Embedding(vector: vector, modality: .image, modelID: "m"))
        let line = String(decoding: record.jsonLine(), as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["inputs"] as? [String] == [path] && object["strategy"] is NSNull)
        #expect((object["embedding"] as? [Double])?.map { Float($0) } == vector)
        #expect(JobRecord.key(jsonLine: line) == path)
    }
}
