import Foundation
import Fuse
import FuseServer
import FuseTestSupport
import Testing

/// `POST /v1/embeddings` against `fuse embed` (the same bits) and sentence-transformers (≤ 1e-4), over real HTTP on
/// loopback. Serialized, on a server of its own: a request alone in its batch gives `fuse embed`'s exact bits.
@Suite("OpenAI embeddings route", .serialized)
struct EmbeddingsRouteTests {
    /// `fuse embed FILES --out -` of the given model (with `--audio-as` when given), as Float vectors in input order.
    static func fuseEmbed(model: String, files: [String], audioAs: String? = nil) throws -> [[Float]] {
        let audioOption = audioAs.map { ["--audio-as", $0] } ?? []
        let run = try FuseBinary.run(
            ["embed", "--model", model] + audioOption + ["--inputs"] + files + ["--out", "-", "--quiet"])
        guard run.status == 0 else { throw ServerError.internalError("fuse embed failed: \(run.errors)") }
        let objects = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]] ?? []
        return objects.map { ($0["embedding"] as? [NSNumber] ?? []).map { Float($0.doubleValue) } }
    }

    @Test("a sentence's vector equals fuse embed's bit for bit; usage counts its tokens")
    func textMatchesFuseEmbed() async throws {
        let server = try await TestServer.exclusive.value
        let text = "A man is eating food."
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let expected = try Self.fuseEmbed(model: TestServer.miniLM, files: [file.path])[0]
        let reply = try await server.post("/v1/embeddings", json: ["model": "minilm", "input": text])
        #expect(reply.status == 200)
        let got = embeddings(of: reply)
        #expect(got.count == 1)
        #expect(got.first.map { $0.map(\.bitPattern) } == expected.map(\.bitPattern))
        #expect(reply.object["object"] as? String == "list")
        #expect(reply.object["model"] as? String == "minilm")
        let usage = reply.object["usage"] as? [String: Any]
        #expect(usage?["prompt_tokens"] as? Int == 8)  // [CLS] a man is eating food . [SEP]
        #expect(usage?["total_tokens"] as? Int == 8)
        // The default model is the first --model, and /embeddings is the same route.
        let unnamed = try await server.post("/embeddings", json: ["input": [text]])
        #expect(embeddings(of: unnamed).first.map { $0.map(\.bitPattern) } == expected.map(\.bitPattern))
    }

    @Test("60 sentences in one request match sentence-transformers within 1e-4 (Tests/Fixtures/models/minilm)")
    func sentenceTransformersParity() async throws {
        let server = try await TestServer.exclusive.value
        let fixtures = FixturePaths.url("models")
        let sentences = try JSONDecoder().decode(
            [String].self,
            from: Data(
                contentsOf:
                    fixtures.appendingPathComponent("minilm/sentences.json")))
        let reference = try SafetensorsFile(url: fixtures.appendingPathComponent("reference/minilm.safetensors"))
            .tensor("embeddings")
        let reply = try await server.post("/v1/embeddings", json: ["model": "minilm", "input": sentences])
        #expect(reply.status == 200)
        let got = embeddings(of: reply)
        #expect(got.count == sentences.count)
        let width = reference.shape[1]
        let expected = reference.scalars
        var worst: Float = 0
        for (row, vector) in got.enumerated() {
            worst = max(worst, maxAbsDifference(vector, Array(expected[(row * width)..<((row + 1) * width)])))
        }
        #expect(worst <= 1e-4, "max abs difference \(worst)")
        let indices = (reply.object["data"] as? [[String: Any]] ?? []).compactMap { $0["index"] as? Int }
        #expect(indices == Array(0..<sentences.count))
    }

    @Test("base64 encoding decodes to the float vectors")
    func base64Encoding() async throws {
        let server = try await TestServer.exclusive.value
        let input = ["The cat sleeps.", "Stocks fell sharply."]
        let floats = embeddings(of: try await server.post("/v1/embeddings", json: ["input": input]))
        let reply = try await server.post("/v1/embeddings", json: ["input": input, "encoding_format": "base64"])
        #expect(reply.status == 200)
        let strings = (reply.object["data"] as? [[String: Any]] ?? []).compactMap { $0["embedding"] as? String }
        #expect(strings.count == 2)
        #expect(strings.map { VectorEncoding.floats(base64: $0) ?? [] } == floats)
    }

    @Test("token ids from /tokenize give the text's vector, as [int] and as [[int]]")
    func tokenIDsEqualText() async throws {
        let server = try await TestServer.exclusive.value
        let text = "Token ids and text agree."
        let tokens = try await server.post("/tokenize", json: ["inputs": text])
        let ids = ((tokens.json as? [[[String: Any]]])?.first ?? []).compactMap { $0["id"] as? Int }
        #expect(ids.first == 101 && ids.last == 102)  // [CLS] … [SEP]
        let fromText = embeddings(of: try await server.post("/v1/embeddings", json: ["input": text]))
        let fromIDs = embeddings(of: try await server.post("/v1/embeddings", json: ["input": ids]))
        let fromLists = embeddings(of: try await server.post("/v1/embeddings", json: ["input": [ids, ids]]))
        #expect(fromIDs == fromText)
        #expect(fromLists == fromText + fromText)
    }

    @Test("dimensions keeps the first components and renormalises them")
    func dimensionsTruncate() async throws {
        let server = try await TestServer.exclusive.value
        let full = embeddings(of: try await server.post("/v1/embeddings", json: ["input": "Short vectors."]))[0]
        let reply = try await server.post("/v1/embeddings", json: ["input": "Short vectors.", "dimensions": 64])
        let short = embeddings(of: reply)[0]
        #expect(short.count == 64)
        let norm = full.prefix(64).reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(maxAbsDifference(short, full.prefix(64).map { $0 / norm }) <= 1e-6)
        #expect(abs(short.reduce(0) { $0 + $1 * $1 } - 1) <= 1e-5)
        let tooMany = try await server.post("/v1/embeddings", json: ["input": "x", "dimensions": 385])
        #expect(tooMany.status == 422)
    }

    /// The server follows a model folder's `fuse_audio_as` as `fuse embed` does (fuse-mini's sounds are transcribed
    /// when models/whisper-tiny.en is installed), so the vectors are `fuse embed`'s without `--audio-as`.
    @Test("images and sounds as data URIs equal fuse embed of the same files")
    func imageAndAudioDataURIs() async throws {
        let server = try await TestServer.exclusive.value
        let root = TestServer.repository.appendingPathComponent("samples").path
        let image = root + "/images/cat.png", jpeg = root + "/images/coffee.jpg", audio = root + "/audio/cat.wav"
        let expected = try Self.fuseEmbed(model: TestServer.fuseMini, files: [image, jpeg, audio])
        let images = try await server.post(
            "/v1/embeddings",
            json: [
                "model": "fuse-mini", "modality": "image",
                "input": [try dataURI(image, mime: "image/png"), try dataURI(jpeg, mime: "image/jpeg")],
            ])
        #expect(images.status == 200)
        let sounds = try await server.post(
            "/v1/embeddings",
            json: [
                "model": "fuse-mini", "modality": "audio", "input": try dataURI(audio, mime: "audio/wav"),
            ])
        #expect(sounds.status == 200)
        let got = embeddings(of: images) + embeddings(of: sounds)
        #expect(got.count == 3)
        for (vector, reference) in zip(got, expected) {
            #expect(
                maxAbsDifference(vector, reference) == 0, "max abs difference \(maxAbsDifference(vector, reference))")
        }
    }

    @Test("with ServedAudio.audioTower (fuse serve --audio-as audio) a sound equals fuse embed --audio-as audio")
    func audioTowerOverride() async throws {
        let server = try await TestServer.start(models: ["fuse-mini=\(TestServer.fuseMini)"], audio: .audioTower)
        let audio = TestServer.repository.appendingPathComponent("samples/audio/cat.wav").path
        let expected = try Self.fuseEmbed(model: TestServer.fuseMini, files: [audio], audioAs: "audio")
        let reply = try await server.post(
            "/v1/embeddings",
            json: ["modality": "audio", "input": try dataURI(audio, mime: "audio/wav")])
        #expect(reply.status == 200)
        let got = embeddings(of: reply)
        #expect(got.count == 1)
        #expect(got.first.map { maxAbsDifference($0, expected[0]) } == 0)
        await server.stop()
    }
}
