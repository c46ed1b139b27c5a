import Foundation
import FuseTestSupport
import Testing
@testable import FuseLLM

/// `fuse llm logits | align | fuse | generate` run as a user would, on the fixture models, with the files they
/// write compared to the references: top-k against transformers (ids exact, logits and metric_ce within 1e-4),
/// aligned steps and fused targets against FuseLLM's algorithms (tools/reference/llm_fusellm.py; ids exact,
/// probabilities within 1e-5), the training loss on the exported targets against torch (1e-4), and ensemble
/// generation against tools/reference/llm_ensemble.py (text exact). Every bad input the issue lists fails with
/// its message and a non-zero exit.
@Suite(.serialized) struct LLMCLITests {
    static let root = LLMFixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func fuse(_ arguments: [String]) throws -> FuseBinary.Run {
        try FuseBinary.run(["llm"] + arguments)
    }

    static var corpus: String { LLMFixtures.directory.appendingPathComponent("corpus.jsonl").path }
    static func model(_ name: String) -> String { LLMFixtures.model(name).path }

    @Test func logitsAlignFuseEndToEnd() throws {
        let folder = try BadInputTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dists = folder.appendingPathComponent("dists"), fused = folder.appendingPathComponent("fused")
        let c = LLMFixtures.fusion.cases[0]  // base gpt2-a, sources llama-b + llama-c, soft, T = 1
        let hash = try Corpus(url: URL(fileURLWithPath: Self.corpus)).hash

        let logits = try Self.fuse(
            ["logits", "--models"] + ([c.base] + c.sources).map(Self.model)
                + ["--corpus", Self.corpus, "--out", dists.path, "--shard-size", "2"])
        #expect(logits.status == 0, "\(logits.errors)")
        #expect(logits.output.hasPrefix("5 sequences from 5 texts, 3 model(s), window 64, top-k 10"))
        for name in [c.base] + c.sources {
            var n = 0
            for index in 0..<3 {
                let url = dists.appendingPathComponent(name).appendingPathComponent(
                    String(format: "topk-%05d.safetensors", index))
                let shard = try StepShard.read(from: url, kind: .topk, corpusSHA256: hash)
                for s in 0..<shard.sequenceCount {
                    let expected = LLMFixtures.reference.models[name]!.texts[n]
                    #expect(shard.inputIDs(ofSequence: s) == expected.ids)
                    #expect(abs(shard.metricCE[s] - expected.metric_ce) <= 1e-4)
                    let steps = shard.sequence(s)
                    for t in 0..<steps.count {
                        #expect(Array(steps.row(t).ids) == expected.topk_ids[t], "\(name) text \(n) step \(t)")
                        #expect(zip(steps.row(t).values, expected.topk_logits[t]).allSatisfy { abs($0 - $1) <= 1e-4 })
                    }
                    n += 1
                }
            }
            #expect(n == 5)
        }

        let align = try Self.fuse(
            ["align", "--dists", dists.path, "--base", c.base, "--sources"] + c.sources
                + [
                    "--mode", "soft", "--corpus", Self.corpus, "--cache-dir",
                    folder.appendingPathComponent("cache").path,
                ])
        #expect(align.status == 0, "\(align.errors)")
        #expect(align.output.hasPrefix("aligned llama-b, llama-c to gpt2-a (soft)"))
        for source in c.sources {
            var n = 0
            for index in 0..<3 {
                let url = dists.appendingPathComponent("aligned-" + source).appendingPathComponent(
                    String(format: "aligned-%05d.safetensors", index))
                let shard = try StepShard.read(from: url, kind: .aligned, corpusSHA256: hash)
                for s in 0..<shard.sequenceCount {
                    let expected = c.texts[n].aligned[source]!, steps = shard.sequence(s)
                    #expect(steps.count == expected.ids.count)
                    for t in 0..<min(steps.count, expected.ids.count) {
                        #expect(Array(steps.row(t).ids) == expected.ids[t], "\(source) text \(n) step \(t)")
                        #expect(zip(steps.row(t).values, expected.logits[t]).allSatisfy { abs($0 - $1) <= 1e-4 })
                    }
                    n += 1
                }
            }
        }

        for method in ["avgce", "mince"] {
            let out = fused.appendingPathComponent(method)
            let run = try Self.fuse(
                ["fuse", "--dists", dists.path, "--base", c.base, "--sources"] + c.sources
                    + ["--method", method, "--out", out.path, "--corpus", Self.corpus])
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.hasPrefix("fused 5 sequences (\(method), T = 1.0)"))
            let export = try JSONDecoder().decode(
                FusionRunner.Export.self,
                from: Data(contentsOf: out.appendingPathComponent("fused.json")))
            #expect(
                export.corpusSHA256 == hash && export.base == c.base && export.sources == c.sources
                    && export.method == method && export.sequences == 5)
            let base = try LanguageModelBundle(folder: LLMFixtures.model(c.base))
            var n = 0
            for name in export.shards {
                let shard = try StepShard.read(from: out.appendingPathComponent(name), kind: .fused, corpusSHA256: hash)
                for s in 0..<shard.sequenceCount {
                    let steps = shard.sequence(s)
                    let expected = method == "mince" ? c.texts[n].mince : c.texts[n].avgce
                    #expect(steps.count == expected.count)
                    for t in 0..<min(steps.count, expected.count) {
                        let got = Dictionary(uniqueKeysWithValues: zip(steps.row(t).ids, steps.row(t).values))
                        for (id, p) in zip(expected[t].ids, expected[t].probs) {
                            #expect(abs((got[id] ?? 0) - p) <= 1e-5)
                        }
                        #expect(abs(steps.row(t).values.reduce(0, +) - 1) <= 1e-5)
                    }
                    let record = try #require(
                        TrainingLossTests.records.first { $0.case == 0 && $0.method == method && $0.text == n })
                    let loss = try FusionTrainingLoss.evaluate(
                        model: base.model, ids: shard.inputIDs(ofSequence: s), targets: steps)
                    #expect(abs(loss.total(lmLossWeight: record.lm_loss_weight) - record.loss) <= 1e-4)
                    n += 1
                }
            }
            #expect(n == 5)
        }

        // Bad input: a source the folder does not hold, and a corpus other than the folder's.
        let missing = try Self.fuse(["align", "--dists", dists.path, "--base", c.base, "--sources", "llama-z"])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("no distributions for model 'llama-z' (available: gpt2-a, llama-b, llama-c)"))
        let other = folder.appendingPathComponent("other.txt")
        try "A different corpus.\n".write(to: other, atomically: true, encoding: .utf8)
        let mismatch = try Self.fuse([
            "fuse", "--dists", dists.path, "--base", c.base, "--sources", "llama-b",
            "--out", folder.appendingPathComponent("x").path, "--corpus", other.path,
        ])
        #expect(mismatch.status != 0)
        #expect(mismatch.errors.contains("computed from another corpus"))
        let unaligned = try Self.fuse([
            "fuse", "--dists", dists.path, "--base", "llama-b", "--sources", "gpt2-a",
            "--out", folder.appendingPathComponent("y").path,
        ])
        #expect(unaligned.status != 0)
        #expect(unaligned.errors.contains("missing; run `fuse llm align` for 'gpt2-a' first"))
    }

    @Test func generateMatchesReference() throws {
        let folder = try BadInputTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for c in EnsembleTests.cases where c.models.count == 3 && c.seed != nil {
            var arguments = ["generate", "--models"] + c.models.map(Self.model)
            arguments += [
                "--prompt", c.prompt, "--max-tokens", "\(c.max_tokens)", "--method", c.method,
                "--temperature", "\(c.temperature)", "--seed", "\(c.seed!)", "--cache-dir", folder.path,
            ]
            let run = try Self.fuse(arguments)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == c.prompt + c.text + "\n")
            let weights = zip(c.models, c.weights).map { "\($0)=\(String(format: "%.3f", $1))" }.joined(separator: " ")
            #expect(run.errors.contains("weights: \(weights)"))
        }
    }

    @Test func badInputsFailWithTheirMessages() throws {
        let folder = try BadInputTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A model whose config.json vocab_size disagrees with its tokenizer.json.
        let mismatched = folder.appendingPathComponent("mismatched")
        try FileManager.default.createDirectory(at: mismatched, withIntermediateDirectories: true)
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: LLMFixtures.model("gpt2-a").appendingPathComponent(file),
                to: mismatched.appendingPathComponent(file))
        }
        try FileManager.default.copyItem(
            at: LLMFixtures.model("llama-b").appendingPathComponent("tokenizer.json"),
            to: mismatched.appendingPathComponent("tokenizer.json"))
        let out = folder.appendingPathComponent("out").path
        let vocab = try Self.fuse(["logits", "--models", mismatched.path, "--corpus", Self.corpus, "--out", out])
        #expect(vocab.status != 0)
        #expect(vocab.errors.contains("mismatched: config.json says vocab_size 317 but tokenizer.json has 368 entries"))

        let empty = folder.appendingPathComponent("empty-line.jsonl")
        try "{\"text\": \"hello\"}\n\n".write(to: empty, atomically: true, encoding: .utf8)
        let emptyRun = try Self.fuse(["logits", "--models", Self.model("gpt2-a"), "--corpus", empty.path, "--out", out])
        #expect(emptyRun.status != 0)
        #expect(emptyRun.errors.contains("\(empty.path):2: empty line"))

        let long = folder.appendingPathComponent("long.txt")
        try "Antidisestablishmentarianism\n".write(to: long, atomically: true, encoding: .utf8)
        let longRun = try Self.fuse([
            "logits", "--models", Self.model("gpt2-a"), "--corpus", long.path, "--out", out,
            "--window", "8",
        ])
        #expect(longRun.status != 0)
        #expect(
            longRun.errors.contains(
                "corpus line 1: a single word tokenizes to 24 tokens with gpt2-a, longer than the window of 8"))

        let wide = try Self.fuse([
            "logits", "--models", Self.model("gpt2-a"), "--corpus", Self.corpus, "--out", out,
            "--window", "100",
        ])
        #expect(wide.status != 0)
        #expect(wide.errors.contains("gpt2-a: window 100 exceeds the model's 64 positions"))

        let noModels = try Self.fuse(["logits", "--models", "--corpus", Self.corpus, "--out", out])
        #expect(noModels.status != 0 && noModels.status < 128, "must fail cleanly, not crash: \(noModels.errors)")

        let badMode = try Self.fuse(["align", "--dists", out, "--base", "a", "--sources", "b", "--mode", "fuzzy"])
        #expect(badMode.status != 0 && badMode.errors.contains("--mode must be hard or soft"))
        let noDists = try Self.fuse([
            "align", "--dists", folder.appendingPathComponent("nowhere").path, "--base", "a", "--sources", "b",
        ])
        #expect(noDists.status != 0 && noDists.status < 128)
    }

    @Test(arguments: ["logits", "align", "fuse", "generate"])
    func helpExplainsTheStepAndItsFiles(command: String) throws {
        let run = try Self.fuse([command, "--help"])
        #expect(run.status == 0)
        let mentions = [
            "logits": "manifest.json", "align": "aligned-<source>/aligned-00000.safetensors",
            "fuse": "fused-00000.safetensors", "generate": "--max-tokens",
        ]
        #expect(run.output.contains(mentions[command]!), "\(run.output)")
    }
}
