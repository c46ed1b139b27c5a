import ArgumentParser
import Foundation
import Fuse

/// `fuse bench serve`: `fuse serve` under HTTP load on loopback beside a Python embedding server on the same model
/// in the same run (infinity-emb when installed, else sentence-transformers behind FastAPI/uvicorn:
/// Benchmarks/peers/serve_peer.py). Load comes from wrk at 1, 8 and 64 connections, with single sentences and with
/// batches of 32: requests/s, sentences/s, p50/p99 latency and the server's RSS. Also `fuse embed`'s own batch-32
/// rate (in process, no HTTP) as the ceiling that dynamic batching is measured against, and with `--soak N` a soak
/// of N mixed requests (see ServeSoak).
struct BenchServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "fuse serve under wrk load beside infinity-emb / sentence-transformers.")

    @Option(help: "The model folder (all-MiniLM-L6-v2 after tools/setup_models.sh).")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "Comma-separated connection counts.")
    var connections = "1,8,64"

    @Option(help: "Seconds of load per measurement.")
    var seconds = 10

    @Option(help: "A Python with the peer's packages; '' skips the peer.")
    var peerPython = BenchPeer.defaultPython

    @Option(help: "The peer: auto (infinity-emb if installed, else st), infinity, or st.")
    var peerBackend = "auto"

    @Option(help: "Requests in the soak (0: no soak).")
    var soak = 0

    @Option(help: "Concurrent clients in the soak.")
    var soakClients = 32

    @Flag(help: "Only the soak (no load measurements, no peer).")
    var soakOnly = false

    @Option(help: "Loopback port for fuse serve (the peer uses the next one).")
    var port = 18_080

    @Option(help: "fuse serve's --precision (fp32, bf16, int8, auto); the in-process embed rate uses the same.")
    var precision = "fp32"

    func run() async throws {
        guard WrkLoad.available else { throw BenchServeError.noLoadGenerator }
        let counts = connections.split(separator: ",").compactMap { Int($0) }
        print(Self.cpuLine())
        let sentences = try Self.sentences()
        let single = sentences.map { #"{"input": \#(jsonString($0))}"# }
        let batches = (0..<sentences.count).map { start in
            let batch = (0..<32).map { sentences[(start + $0) % sentences.count] }
            return #"{"input": ["# + batch.map(jsonString).joined(separator: ", ") + "]}"
        }
        let embedRate =
            soakOnly
            ? 0
            : try Self.fuseEmbedRate(
                model: model, sentences: sentences, precision: Precision(name: precision))
        if !soakOnly {
            print(
                String(
                    format: "fuse embed in process (no HTTP), batch 32, %@: %.0f sentences/s", precision, embedRate))
        }
        BenchPeer.flush()

        let fuse = try ServerProcess(
            name: "fuse serve", executable: Self.fuseExecutable(),
            arguments: ["serve", "--model", model, "--port", "\(port)", "--precision", precision, "--quiet"],
            port: port, logPath: "/tmp/fuse-bench-serve.log")
        defer { fuse.stop() }
        try fuse.waitUntilHealthy()
        if soakOnly {
            print(try runSoak(fuse, sentences: sentences))
            return
        }
        let fuseRows = try measure(fuse, single: single, batches: batches, counts: counts)
        var soakLine: String?
        if soak > 0 { soakLine = try runSoak(fuse, sentences: sentences) }
        fuse.stop()

        var peerName = "peer"
        var peerRows: [String: Row] = [:]
        if !peerPython.isEmpty {
            let script = try BenchPeer.locate("serve_peer.py")
            let peer = try ServerProcess(
                name: "peer", executable: peerPython,
                arguments: [
                    script.path, "--model", model, "--port", "\(port + 1)",
                    "--backend", peerBackend,
                ],
                port: port + 1, logPath: "/tmp/fuse-bench-serve-peer.log")
            defer { peer.stop() }
            do {
                try peer.waitUntilHealthy()
                let log = (try? String(contentsOfFile: "/tmp/fuse-bench-serve-peer.log", encoding: .utf8)) ?? ""
                peerName =
                    log.split(separator: "\n").compactMap { line -> String? in
                        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["peer"] as? String
                    }.first ?? "peer"
                peerRows = try measure(peer, single: single, batches: batches, counts: counts)
            } catch {
                printError("peer: \(error); showing Fuse's figures only")
            }
            peer.stop()
        }
        print("\nfuse serve vs \(peerName), same model, same machine, same run (wrk on loopback, \(seconds) s each)")
        print(
            "| load | connections | Fuse req/s | Fuse sent/s | Fuse p50 / p99 ms | peer req/s | peer sent/s | peer p50 / p99 ms | Fuse / peer sent/s |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key in fuseRows.keys.sorted(by: Self.order) {
            print(Self.tableRow(fuseRows[key]!, peer: peerRows[key]))
        }
        if let row = fuseRows["single-64"] {
            print(
                String(
                    format:
                        "dynamic batching: 64 single-sentence clients reach %.0f sentences/s = %.0f %% of fuse embed's batch-32 rate (target ≥ 70 %%)",
                    row.sentences, 100 * row.sentences / embedRate))
        }
        print(
            String(format: "RSS after load: fuse serve %.0f MiB", fuseRows.values.map(\.rss).max() ?? 0)
                + (peerRows.isEmpty ? "" : String(format: ", peer %.0f MiB", peerRows.values.map(\.rss).max() ?? 0)))
        if let soakLine { print(soakLine) }
    }

    struct Row {
        let load: String
        let connections: Int
        let rate: Double
        let sentences: Double
        let p50: Double
        let p99: Double
        let rss: Double
    }

    func measure(_ server: ServerProcess, single: [String], batches: [String], counts: [Int]) throws -> [String: Row] {
        var rows: [String: Row] = [:]
        // Warm-up: the first requests pay for lazy initialisation on both sides.
        _ = try WrkLoad(port: server.port, path: "/v1/embeddings", bodies: batches).run(connections: 4, seconds: 2)
        for (load, bodies, perRequest) in [("single", single, 1), ("batch-32", batches, 32)] {
            for count in counts {
                let result = try WrkLoad(port: server.port, path: "/v1/embeddings", bodies: bodies)
                    .run(connections: count, seconds: seconds)
                let row = Row(
                    load: load, connections: count, rate: result.requestsPerSecond,
                    sentences: result.requestsPerSecond * Double(perRequest), p50: result.p50Milliseconds,
                    p99: result.p99Milliseconds, rss: server.residentMiB)
                rows["\(load)-\(count)"] = row
                var line = String(
                    format: "%@ %@ c=%d: %.0f req/s, %.0f sentences/s, p50 %.1f ms, p99 %.1f ms, RSS %.0f MiB",
                    server.name, load, count, row.rate, row.sentences, row.p50, row.p99, row.rss)
                if result.non2xx > 0 { line += ", \(result.non2xx) non-2xx" }
                if let errors = result.socketErrors { line += ", \(errors)" }
                print(line)
                BenchPeer.flush()
            }
        }
        return rows
    }

    func runSoak(_ server: ServerProcess, sentences: [String]) throws -> String {
        var expected: [[Float]] = []
        for sentence in sentences {
            let body = Array(#"{"input": \#(jsonString(sentence))}"#.utf8)
            guard let reply = LoopbackHTTP.exchange(port: server.port, path: "/v1/embeddings", body: body),
                let vector = ServeSoak.vector(reply.body)
            else { throw BenchServeError.notHealthy(server.name) }
            expected.append(vector)
        }
        let before = server.residentMiB
        let start = Date()
        print("soak: \(soak) requests from \(soakClients) clients, RSS before \(Int(before)) MiB …")
        BenchPeer.flush()
        let outcome = ServeSoak(
            port: server.port, sentences: sentences, expected: expected,
            payloadLimit: 8 * 1024 * 1024
        ).run(requests: soak, threads: soakClients)
        let seconds = Date().timeIntervalSince(start)
        let after = server.residentMiB
        let alive = LoopbackHTTP.exchange(port: server.port, method: "GET", path: "/health", body: [])?.status == 200
        var line = String(
            format: "soak: %d requests in %.0f s — valid %d (%d answered correctly), malformed→400 %d, "
                + "oversized→413 %d, abandoned mid-body %d; server alive: %@; RSS %.0f → %.0f MiB (%+.1f %%)",
            outcome.sent, seconds, outcome.valid, outcome.validCorrect, outcome.malformed400,
            outcome.oversized413, outcome.abandoned, alive ? "yes" : "NO", before, after,
            100 * (after - before) / max(before, 1))
        if !outcome.unexpected.isEmpty {
            line += "\n  unexpected: " + outcome.unexpected.prefix(10).joined(separator: "\n  ")
        }
        return line
    }

    /// The 60 sentences of the MiniLM fixtures.
    static func sentences() throws -> [String] {
        let url = try BenchPeer.locate("../../Tests/Fixtures/models/minilm/sentences.json")
        return try JSONDecoder().decode([String].self, from: Data(contentsOf: url))
    }

    /// `fuse embed`'s path in process: FuseRuntime.embed(samples:) in batches of 32 (1024 sentences, best of 3).
    static func fuseEmbedRate(model: String, sentences: [String], precision: Precision) throws -> Double {
        let runtime = try FuseRuntime(modelDirectory: URL(fileURLWithPath: model), precision: precision)
        let samples = (0..<1024).map { Sample.text(sentences[$0 % sentences.count]) }
        _ = try runtime.embed(samples: Array(samples.prefix(64)))
        var best = 0.0
        for _ in 0..<3 {
            let start = Date()
            _ = try runtime.embed(samples: samples)
            best = max(best, Double(samples.count) / Date().timeIntervalSince(start))
        }
        return best
    }

    /// `fuse` beside this executable.
    static func fuseExecutable() throws -> String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let fuse = here.appendingPathComponent("fuse").path
        guard FileManager.default.isExecutableFile(atPath: fuse) else {
            throw ValidationError("fuse is not built beside fuse-bench (swift build -c release --product fuse)")
        }
        return fuse
    }

    /// lscpu's model name and the vector ISA flags that matter here.
    static func cpuLine() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = info.split(separator: "\n")
        let name =
            lines.first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let flags = Set(lines.first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let isa = ["avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni"].filter(flags.contains)
        return "CPU: \(name) (\(ProcessInfo.processInfo.activeProcessorCount) cores; \(isa.joined(separator: " ")))"
    }

    static func order(_ a: String, _ b: String) -> Bool {
        func key(_ s: String) -> (Int, Int) {
            let parts = s.split(separator: "-")
            return (s.hasPrefix("single") ? 0 : 1, Int(parts.last ?? "") ?? 0)
        }
        return key(a) < key(b)
    }

    static func fmt(_ value: Double) -> String { String(format: "%.0f", value) }

    /// One Markdown row: Fuse's figures, the peer's, and the sentences/s ratio.
    static func tableRow(_ fuse: Row, peer: Row?) -> String {
        let latency = { (row: Row) -> String in String(format: "%.1f / %.1f", row.p50, row.p99) }
        let fuseCells =
            "| \(fuse.load) | \(fuse.connections) | \(fmt(fuse.rate)) | \(fmt(fuse.sentences)) | \(latency(fuse)) |"
        guard let peer else { return fuseCells + " – | – | – | – |" }
        let ratio = String(format: "%.2f×", fuse.sentences / max(peer.sentences, 1e-9))
        return fuseCells + " \(fmt(peer.rate)) | \(fmt(peer.sentences)) | \(latency(peer)) | \(ratio) |"
    }
}
