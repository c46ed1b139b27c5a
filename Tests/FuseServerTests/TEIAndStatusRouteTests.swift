import Foundation
import FuseServer
import FuseTestSupport
import Testing

/// text-embeddings-inference's routes (`/embed`, `/tokenize`, `/info`, `/health`) and `/metrics`.
@Suite("TEI and status routes")
struct TEIAndStatusRouteTests {
    @Test("/embed gives the OpenAI route's unit vectors; normalize false the raw mean-pooled ones")
    func embed() async throws {
        let server = try await TestServer.shared.value
        let texts = ["A dog runs in the park.", "Rain is expected tomorrow."]
        let openAI = embeddings(of: try await server.post("/v1/embeddings", json: ["input": texts]))
        let reply = try await server.post("/embed", json: ["inputs": texts])
        #expect(reply.status == 200)
        let vectors = (reply.json as? [[NSNumber]] ?? []).map { $0.map { Float($0.doubleValue) } }
        // Other tests' requests may share a batch and its padding: equal within 1e-6, not bit for bit.
        #expect(vectors.count == 2)
        #expect(zip(vectors, openAI).allSatisfy { maxAbsDifference($0, $1) <= 1e-6 })
        let raw = try await server.post("/embed", json: ["inputs": texts[0], "normalize": false])
        let rawVector = (raw.json as? [[NSNumber]])?.first?.map { Float($0.doubleValue) } ?? []
        let norm = rawVector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) > 1e-3, "MiniLM's pooled vector before normalisation is not unit length")
        #expect(maxAbsDifference(rawVector.map { $0 / norm }, openAI[0]) <= 1e-6)
    }

    @Test("/embed truncate keeps one window of a long text; without it the windows are averaged")
    func truncate() async throws {
        let server = try await TestServer.shared.value
        let long = Array(repeating: "The quick brown fox jumps over the lazy dog.", count: 80).joined(separator: " ")
        let whole = try await server.post("/embed", json: ["inputs": long])
        let first = try await server.post("/embed", json: ["inputs": long, "truncate": true])
        let last = try await server.post(
            "/embed",
            json: [
                "inputs": long, "truncate": true,
                "truncation_direction": "Left",
            ])
        let statuses: [Int] = [whole.status, first.status, last.status]
        #expect(statuses == [200, 200, 200])
        #expect(whole.body != first.body && first.body != last.body)
        let bad = try await server.post(
            "/embed",
            json: [
                "inputs": long, "truncate": true,
                "truncation_direction": "Up",
            ])
        #expect(bad.status == 422 && bad.errorCode == "Validation")
    }

    @Test("/tokenize lists ids, the input text each token covers and special flags, with and without special tokens")
    func tokenize() async throws {
        let server = try await TestServer.shared.value
        let reply = try await server.post("/tokenize", json: ["inputs": ["Hello world", "cat"]])
        #expect(reply.status == 200)
        let lists = reply.json as? [[[String: Any]]] ?? []
        #expect(lists.count == 2)
        // As TEI: a text token shows the input it covers (not the lower-cased vocabulary entry).
        #expect(lists.first?.compactMap { $0["text"] as? String } == ["[CLS]", "Hello", "world", "[SEP]"])
        #expect(lists.first?.compactMap { $0["special"] as? Bool } == [true, false, false, true])
        let plain = try await server.post("/tokenize", json: ["inputs": "Hello world", "add_special_tokens": false])
        #expect(((plain.json as? [[[String: Any]]])?.first ?? []).compactMap { $0["id"] as? Int } == [7592, 2088])
    }

    @Test("/info names the served models and limits; /health is 200 when loaded")
    func infoAndHealth() async throws {
        let server = try await TestServer.shared.value
        let info = try await server.get("/info")
        #expect(info.status == 200)
        #expect(info.object["model_id"] as? String == "minilm")
        let models = info.object["models"] as? [[String: Any]] ?? []
        #expect(models.compactMap { $0["name"] as? String } == ["minilm", "fuse-mini"])
        #expect(models.first?["dimension"] as? Int == 384)
        #expect(models.last?["modalities"] as? [String] == ["audio", "image", "text"])
        #expect(info.object["max_batch_requests"] as? Int == ServerConfiguration.Limits().maxBatchRequests)
        #expect(try await server.get("/health").status == 200)
    }

    @Test("/metrics counts requests by route and status, latencies, batch sizes and tokens")
    func metrics() async throws {
        let server = try await TestServer.shared.value
        _ = try await server.post("/v1/embeddings", json: ["input": "metrics please"])
        _ = try await server.post("/v1/embeddings", json: ["model": "nope", "input": "x"])
        let reply = try await server.get("/metrics")
        #expect(reply.status == 200)
        let text = String(decoding: reply.body, as: UTF8.self)
        #expect(text.contains(#"fuse_http_requests_total{route="/v1/embeddings",status="200"}"#))
        #expect(text.contains(#"fuse_http_requests_total{route="/v1/embeddings",status="404"}"#))
        #expect(text.contains("fuse_http_request_duration_seconds_bucket"))
        #expect(text.contains(#"fuse_batch_size_count{model="minilm"}"#))
        #expect(text.contains(#"fuse_input_tokens_total{model="minilm"}"#))
        #expect(text.contains(#"fuse_queue_size{model="minilm"}"#))
    }
}
