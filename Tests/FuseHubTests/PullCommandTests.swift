import Foundation
import FuseTestSupport
import Testing

/// `fuse pull` and `--download` through the built binary, against the loopback Hub (HF_ENDPOINT, HF_HUB_CACHE).
@Suite("fuse pull / --download (built binary)")
struct PullCommandTests {
    /// Runs the binary off the cooperative pool: the loopback Hub's handlers need those threads while it waits.
    func fuse(
        _ arguments: [String], environment: [String: String], executable: URL? = nil
    ) async throws
        -> FuseBinary.Run
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        try FuseBinary.run(arguments, environment: environment, executable: executable)
                    })
            }
        }
    }

    func setting(_ hub: LoopbackHub, _ cache: URL, _ extra: [String: String] = [:]) -> [String: String] {
        ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path, "HF_TOKEN": "", "HF_HUB_OFFLINE": ""]
            .merging(extra) { $1 }
    }

    @Test("fuse pull prints the snapshot; embed then loads the model by name offline (HF_ENDPOINT not even read)")
    func pullThenEmbedOffline() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let pull = try await fuse(["pull", "fuse-test/tiny-bert@v1", "--quiet"], environment: setting(hub, cache))
        #expect(pull.status == 0, "\(pull.errors)")
        let snapshot = cache.appendingPathComponent("models--fuse-test--tiny-bert/snapshots/\(HubFixtures.commit)")
        #expect(pull.output.trimmingCharacters(in: .whitespacesAndNewlines) == snapshot.path)
        let text = cache.deletingLastPathComponent().appendingPathComponent("a.txt")
        try Data("a cat on a mat\n".utf8).write(to: text)
        let before = hub.requests.count
        let embed = try await fuse(
            ["embed", "--model", "fuse-test/tiny-bert@v1", "--inputs", text.path, "--quiet"],
            environment: setting(
                hub, cache,
                [
                    "HF_HUB_OFFLINE": "1",
                    "HF_ENDPOINT": "not a url",
                ]))
        #expect(embed.status == 0, "\(embed.errors)")
        #expect(embed.output.contains("\tdim 48\t"), "\(embed.output)")  // the fixture's hidden_size
        #expect(hub.requests.count == before)
    }

    @Test("without --download a missing model fails naming --download and fuse pull, and no request is made")
    func downloadIsOptIn() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let text = cache.deletingLastPathComponent().appendingPathComponent("a.txt")
        try Data("a cat on a mat\n".utf8).write(to: text)
        let refused = try await fuse(
            ["embed", "--model", "fuse-test/tiny-bert", "--inputs", text.path],
            environment: setting(hub, cache))
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--download") && refused.errors.contains("fuse pull"), "\(refused.errors)")
        #expect(hub.requests.isEmpty)
        let pulled = try await fuse(
            ["embed", "--model", "fuse-test/tiny-bert", "--download", "--inputs", text.path],
            environment: setting(hub, cache))
        #expect(pulled.status == 0, "\(pulled.errors)")
        #expect(pulled.errors.contains("model.safetensors: downloaded"), "\(pulled.errors)")
    }

    @Test(
        "a write that fails mid-file (a file-size limit standing in for a full disk) leaves no .incomplete, no snapshot"
    )
    func fullDisk() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        // `ulimit -f 100` (100 KiB per file) makes the 250 KB safetensors write fail with EFBIG, as ENOSPC would;
        // SIGXFSZ is ignored so the write returns the error instead of killing the process.
        let script = "trap '' XFSZ; ulimit -f 100; exec \"$0\" pull fuse-test/tiny-bert --quiet"
        let run = try await fuse(
            ["-c", script, try FuseBinary.url().path], environment: setting(hub, cache),
            executable: URL(fileURLWithPath: "/bin/sh"))
        #expect(run.status != 0)
        #expect(run.errors.contains("cannot be written") && run.errors.contains(".incomplete"), "\(run.errors)")
        let repo = cache.appendingPathComponent("models--fuse-test--tiny-bert")
        #expect(!HubFixtures.tree(repo.appendingPathComponent("blobs")).contains { $0.hasSuffix(".incomplete") })
        #expect(HubFixtures.tree(repo.appendingPathComponent("snapshots")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: repo.appendingPathComponent("refs/main").path))
    }

    @Test("fuse llm generate --download pulls a causal LM by name and decodes as from its folder, named by its repo")
    func llmDownload() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        func generate(_ model: String, _ extra: [String] = []) async throws -> FuseBinary.Run {
            try await fuse(
                ["llm", "generate", "--models", model, "--prompt", "the cat", "--max-tokens", "6"] + extra,
                environment: setting(hub, cache))
        }
        let refused = try await generate("fuse-test/tiny-gpt2")
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--download") && refused.errors.contains("fuse pull"), "\(refused.errors)")
        #expect(hub.requests.isEmpty)
        let pulled = try await generate("fuse-test/tiny-gpt2", ["--download"])
        #expect(pulled.status == 0, "\(pulled.errors)")
        #expect(pulled.errors.contains("model.safetensors: downloaded"), "\(pulled.errors)")
        #expect(pulled.errors.contains("weights: tiny-gpt2=1.000"), "\(pulled.errors)")
        let local = try await generate(HubFixtures.gpt2Folder.path)
        #expect(local.status == 0, "\(local.errors)")
        #expect(pulled.output == local.output && !local.output.isEmpty)
    }

    @Test(
        "bad input: HF_ENDPOINT not a URL, a pickles-only repository, an unknown repository",
        arguments: [
            (["pull", "fuse-test/tiny-bert"], ["HF_ENDPOINT": "huggingface.co"], "is not an http(s) URL"),
            (["pull", "fuse-test/pickles-only"], [:], "weights only as pickles (pytorch_model.bin)"),
            (["pull", "fuse-test/nope"], [:], "Repository Not Found for url"),
            (["pull", "fuse-test/tiny-bert"], ["HF_HUB_OFFLINE": "1"], "HF_HUB_OFFLINE is set"),
            (["pull", "not-a-repo-id"], [:], "is not ORG/NAME[@REVISION]"),
        ])
    func badInput(arguments: [String], environment: [String: String], says: String) async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let run = try await fuse(arguments, environment: setting(hub, cache, environment))
        #expect(run.status != 0)
        #expect(run.errors.contains(says), "\(run.errors)")
    }
}
