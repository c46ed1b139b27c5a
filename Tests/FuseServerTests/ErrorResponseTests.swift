import Foundation
import FuseServer
import Testing

/// Every error status the server answers with, each in its route's error shape (OpenAI's on `/v1/…`, TEI's
/// elsewhere), and a server that keeps serving after each.
@Suite("Error responses")
struct ErrorResponseTests {
    @Test("400 malformed JSON, 422 wrong shapes and bad items, 404 unknown model and route, in both shapes")
    func requestErrors() async throws {
        let server = try await TestServer.shared.value
        let malformed = try await server.post("/v1/embeddings", raw: Data("{\"input\": [".utf8))
        #expect(malformed.status == 400 && malformed.errorCode == "malformed_json")
        let error = malformed.object["error"] as? [String: Any]
        #expect(error?["type"] as? String == "invalid_request_error")
        #expect((error?["message"] as? String)?.isEmpty == false)
        let teiMalformed = try await server.post("/embed", raw: Data("not json".utf8))
        #expect(teiMalformed.status == 400 && teiMalformed.errorCode == "Validation")
        #expect(teiMalformed.object["error"] is String)

        let cases: [(String, [String: Any], Int, String)] = [
            ("/v1/embeddings", ["input": 5], 422, "invalid_input"),
            ("/v1/embeddings", ["input": [String]()], 422, "invalid_input"),
            ("/v1/embeddings", ["input": ""], 422, "invalid_input"),
            ("/v1/embeddings", ["input": [1, 2, 999_999]], 422, "invalid_input"),
            ("/v1/embeddings", ["input": "x", "modality": "smell"], 422, "invalid_input"),
            (
                "/v1/embeddings", ["input": "/etc/passwd", "modality": "image", "model": "fuse-mini"], 422,
                "invalid_input"
            ),
            (
                "/v1/embeddings", ["input": "https://example.com/cat.png", "modality": "image", "model": "fuse-mini"],
                422, "invalid_input"
            ),
            (
                "/v1/embeddings",
                [
                    "input": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "modality": "image",
                    "model": "fuse-mini",
                ], 422, "invalid_input"
            ),
            (
                "/v1/embeddings", ["input": "data:image/png;base64,iVBORw0K", "modality": "image"], 422,
                "invalid_input"
            ),  // MiniLM has no image tower
            ("/v1/embeddings", ["input": "x", "model": "gpt-4"], 404, "model_not_found"),
            ("/embed", ["inputs": "x", "model": "gpt-4"], 404, "Validation"),
            ("/v1/fuse", ["inputs": [["content": "a"]], "strategy": "bogus"], 422, "invalid_input"),
        ]
        for (path, body, status, code) in cases {
            let reply = try await server.post(path, json: body)
            #expect(reply.status == status, "\(path) \(body): \(String(decoding: reply.body, as: UTF8.self))")
            #expect(reply.errorCode == code, "\(path) \(body)")
        }
        let noRoute = try await server.get("/v1/nothing")
        #expect(noRoute.status == 404 && noRoute.errorCode == "unknown_route")
        let fileURL = try await server.post(
            "/v1/embeddings",
            json: [
                "input": "file:///etc/passwd", "modality": "audio",
                "model": "fuse-mini",
            ])
        #expect(String(decoding: fileURL.body, as: UTF8.self).contains("never reads files"))
        // A model without an audio tower refuses a sound by saying so, before it decodes the bytes (these are no
        // sound at all, so a decoder error here would mean the bytes were read first).
        let noAudioTower = try await server.post(
            "/v1/embeddings", json: ["input": "data:audio/wav;base64,AAAAAAAA", "modality": "audio"])
        let refusal = (noAudioTower.object["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(noAudioTower.status == 422 && refusal.contains("does not embed audio"), "\(refusal)")
        // The server is still up and right after all of that.
        #expect(try await server.post("/v1/embeddings", json: ["input": "still here"]).status == 200)
    }

    @Test("413 for a body over --payload-limit, for too many inputs, and per item with the limit named")
    func sizeLimits() async throws {
        var limits = ServerConfiguration.Limits()
        limits.payloadLimit = 1024 * 1024
        limits.maxInputs = 4
        limits.maxItemTokens = 64
        limits.maxImagePixels = 100 * 100
        let server = try await TestServer.start(limits: limits)
        defer { Task { await server.stop() } }
        let big = String(repeating: "word ", count: 250_000)
        let payload = try await server.post("/v1/embeddings", json: ["input": big])
        #expect(payload.status == 413 && payload.errorCode == "payload_too_large")
        let teiPayload = try await server.post("/embed", json: ["inputs": big])
        #expect(teiPayload.status == 413 && teiPayload.errorCode == "Validation")
        let many = try await server.post("/v1/embeddings", json: ["input": ["a", "b", "c", "d", "e"]])
        #expect(many.status == 413 && many.errorCode == "too_many_inputs")
        let tokens = try await server.post("/v1/embeddings", json: ["input": String(repeating: "cat ", count: 100)])
        #expect(tokens.status == 413 && tokens.errorCode == "item_too_large")
        // The body says the limit, never a CLI flag (the client may not know how the server was started).
        let tokensText = String(decoding: tokens.body, as: UTF8.self)
        #expect(tokensText.contains("limit of 64 tokens") && !tokensText.contains("--"), "\(tokensText)")
        let image = try dataURI(
            TestServer.repository.appendingPathComponent("samples/images/cat.png").path,
            mime: "image/png")
        let pixels = try await server.post(
            "/v1/embeddings",
            json: [
                "model": "fuse-mini", "modality": "image",
                "input": image,
            ])
        #expect(pixels.status == 413 && pixels.errorCode == "item_too_large")
        let pixelsText = String(decoding: pixels.body, as: UTF8.self)
        #expect(pixelsText.contains("limit of 10000 pixels") && !pixelsText.contains("--"), "\(pixelsText)")
        #expect(try await server.post("/v1/embeddings", json: ["input": "fine"]).status == 200)
    }

    @Test("401 without the key or with a wrong one; /health and /metrics stay open")
    func apiKey() async throws {
        let server = try await TestServer.start(models: ["minilm=\(TestServer.miniLM)"], apiKey: "s3cret-key")
        defer { Task { await server.stop() } }
        let none = try await server.post("/v1/embeddings", json: ["input": "x"])
        #expect(none.status == 401 && none.errorCode == "invalid_api_key")
        let wrong = try await server.post(
            "/v1/embeddings", json: ["input": "x"],
            headers: ["Authorization": "Bearer s3cret-kez"])
        #expect(wrong.status == 401)
        let prefix = try await server.post("/embed", json: ["inputs": "x"], headers: ["Authorization": "Bearer s3cret"])
        #expect(prefix.status == 401 && prefix.errorCode == "Unauthorized")
        let right = try await server.post(
            "/v1/embeddings", json: ["input": "x"],
            headers: ["Authorization": "Bearer s3cret-key"])
        #expect(right.status == 200)
        #expect(try await server.get("/health").status == 200)
        #expect(try await server.get("/metrics").status == 200)
    }

    @Test("429 beyond --max-concurrent-requests; the admitted requests all succeed")
    func tooManyRequests() async throws {
        var limits = ServerConfiguration.Limits()
        limits.maxConcurrentRequests = 1
        let server = try await TestServer.start(models: ["minilm=\(TestServer.miniLM)"], limits: limits)
        defer { Task { await server.stop() } }
        let batch = (0..<64).map { "Sentence number \($0) keeps the model busy for a while." }
        let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<12 {
                group.addTask {
                    let reply = try await server.post("/v1/embeddings", json: ["input": batch])
                    return (reply.status, reply.errorCode)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.contains { $0 == (429, "too_many_requests") })
        #expect(statuses.contains { $0.0 == 200 })
        #expect(statuses.allSatisfy { $0.0 == 200 || $0.0 == 429 })
    }

    @Test("503 while the models load, and when a request outlives --request-timeout")
    func unavailable() async throws {
        var limits = ServerConfiguration.Limits()
        limits.requestTimeout = .milliseconds(1)
        // The models do not start loading until the test opens the gate, however slow the machine is.
        let (opened, open) = AsyncStream.makeStream(of: Void.self)
        let server = try await TestServer.start(
            models: ["minilm=\(TestServer.miniLM)", "fuse-mini=\(TestServer.fuseMini)"],
            limits: limits, waitUntilReady: false,
            loadGate: { for await _ in opened { return } })
        defer { Task { await server.stop() } }
        let early = try await server.post("/v1/embeddings", json: ["input": "too early"])
        let health = try await server.get("/health")
        #expect(early.status == 503 && early.errorCode == "model_loading")
        #expect(health.status == 503 && health.errorCode == "Unhealthy")
        open.yield()
        open.finish()
        try await server.waitUntilReady()
        let batch = (0..<64).map { "A sentence that cannot be embedded within a millisecond, number \($0)." }
        let slow = try await server.post("/v1/embeddings", json: ["input": batch])
        #expect(slow.status == 503 && slow.errorCode == "timeout")
        #expect(try await server.get("/health").status == 200)
    }
}
