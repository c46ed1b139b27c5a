import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Fuse
import FuseTestSupport
@testable import FuseServer
import Logging

/// A `FuseServer` started in this process on a free loopback port, and an HTTP client for it (URLSession over
/// real TCP on 127.0.0.1). The server runs until `stop()`.
final class TestServer: Sendable {
    let port: Int
    let server: FuseServer
    private let task: Task<Void, any Error>

    /// The repository's `models/` (all-MiniLM-L6-v2 after tools/setup_models.sh, fuse-mini in git).
    static let models = FixturePaths.models
    static let repository = FixturePaths.repository
    static var miniLM: String { models.appendingPathComponent("all-MiniLM-L6-v2").path }
    static var fuseMini: String { models.appendingPathComponent("fuse-mini").path }

    /// The server most tests share: MiniLM (default) and fuse-mini, default limits. Concurrent tests' requests may
    /// share its batches, so its vectors may differ from `fuse embed`'s in the last bits (padding changes the sums).
    static let shared = Task { try await TestServer.start() }
    /// A server only the serialized bit-exact suite talks to: each of its requests is alone in its batch.
    static let exclusive = Task { try await TestServer.start() }

    private init(port: Int, server: FuseServer, task: Task<Void, any Error>) {
        self.port = port
        self.server = server
        self.task = task
    }

    /// The default limits with a request timeout long enough for a debug build on a busy machine (the first
    /// `/v1/describe` embeds LENS's whole vocabulary); tests of the timeout set their own.
    static var relaxed: ServerConfiguration.Limits {
        var limits = ServerConfiguration.Limits()
        limits.requestTimeout = .seconds(900)
        return limits
    }

    /// Starts a server and waits until it listens and, when `waitUntilReady`, until `/health` is 200.
    static func start(
        models: [String] = ["minilm=\(miniLM)", "fuse-mini=\(fuseMini)"], apiKey: String? = nil,
        limits: ServerConfiguration.Limits = relaxed, waitUntilReady: Bool = true,
        loadGate: (@Sendable () async -> Void)? = nil, captionBanks: [String: URL] = [:],
        projections: [String: FusionProjection] = [:], audio: ServedAudio = .asConfigured
    ) async throws -> TestServer {
        guard FileManager.default.fileExists(atPath: miniLM + "/model.safetensors") else {
            throw ServeSetupError.modelLoadFailed(name: "minilm", reason: "run tools/setup_models.sh first")
        }
        var logger = Logger(label: "fuse.serve.test")
        logger.logLevel = .warning
        var configuration = ServerConfiguration(
            models: try models.map(ModelSpec.init(parsing:)), host: "127.0.0.1",
            port: 0, apiKey: apiKey, limits: limits, quiet: true)
        configuration.loadGate = loadGate
        configuration.captionBanks = captionBanks
        configuration.projections = projections
        configuration.audio = audio
        let server = FuseServer(configuration: configuration, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            // The server accepts connections only after this returns: it must not wait for a request.
            try await server.run(handleSignals: false) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw URLError(.cannotConnectToHost) }
        let started = TestServer(port: port, server: server, task: task)
        if waitUntilReady { try await started.waitUntilReady() }
        return started
    }

    /// Polls `/health` until it is 200 (at most two minutes).
    func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while try await get("/health").status != 200 {
            guard ContinuousClock.now < deadline else { throw URLError(.timedOut) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// What one request got.
    struct Reply: Sendable {
        let status: Int
        let body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        /// OpenAI's `error.code` or TEI's `error_type`.
        var errorCode: String? {
            (object["error"] as? [String: Any])?["code"] as? String ?? object["error_type"] as? String
        }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 120
        return URLSession(configuration: configuration)
    }()

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, body: nil, headers: headers)
    }

    func post(_ path: String, json: Any, headers: [String: String] = [:]) async throws -> Reply {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    func post(_ path: String, raw: Data, headers: [String: String] = [:]) async throws -> Reply {
        try await send("POST", path, body: raw, headers: headers)
    }

    private func send(_ method: String, _ path: String, body: Data?, headers: [String: String]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.session.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }
}

/// The vectors of an OpenAI embeddings reply, as Float.
func embeddings(of reply: TestServer.Reply) -> [[Float]] {
    ((reply.object["data"] as? [[String: Any]]) ?? []).map { item in
        ((item["embedding"] as? [Any]) ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) }
    }
}

/// A `data:` URI of a file's bytes.
func dataURI(_ path: String, mime: String) throws -> String {
    "data:\(mime);base64," + (try Data(contentsOf: URL(fileURLWithPath: path))).base64EncodedString()
}
