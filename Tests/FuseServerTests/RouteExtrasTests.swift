import Foundation
import Fuse
import FuseTestSupport
import Testing
import FuseTokenizers
import TextBPE
@testable import FuseServer

/// `/tokenize` offsets against HF tokenizers' (as TEI reports them), the request decoders the fuzzer drives,
/// `/v1/fuse` concat with a server-side projection against `fuse --projection`, and `/v1/describe` captions from a
/// caption bank against `fuse describe --captions`.
@Suite("fuse serve: offsets, decoders, projections, captions")
struct RouteExtrasTests {
    struct OffsetCase: Decodable {
        let tokenizer: String
        let text: String
        let ids: [Int32]
        let offsets: [[Int]?]
    }

    static let fixtures = TestServer.repository.appendingPathComponent("Tests/Fixtures")

    static func offsetCases() throws -> [OffsetCase] {
        try JSONDecoder().decode(
            [OffsetCase].self,
            from: Data(
                contentsOf: fixtures.appendingPathComponent(
                    "serve/token_offsets.json")))
    }

    @Test("token offsets equal HF tokenizers' byte offsets (tools/reference/serve_token_offsets.py), exactly")
    func offsetsMatchTokenizers() throws {
        var tokenizers: [String: Tokenizer] = [:]
        var aligned = 0, total = 0
        for item in try Self.offsetCases() {
            let tokenizer =
                try tokenizers[item.tokenizer]
                ?? Tokenizer.load(from: Self.fixtures.appendingPathComponent(item.tokenizer))
            tokenizers[item.tokenizer] = tokenizer
            let encoding = try #require(
                try tokenizer.encodeWindows(item.text, policy: WindowPolicy(maxLength: nil)).first)
            let ids = encoding.ids
            try #require(ids == item.ids, "\(item.tokenizer): ids of \(item.text.debugDescription)")
            let ranges = TokenOffsets.align(
                ids, special: encoding.specialTokensMask.map { $0 != 0 }, in: item.text,
                tokenizer: tokenizer)
            for (index, (ours, reference)) in zip(ranges, item.offsets).enumerated() {
                let expected = reference.map { $0[0]..<$0[1] }
                total += expected == nil ? 0 : 1
                if ours != nil { aligned += 1 }
                let name = tokenizer.token(forID: ids[index]) ?? "?"
                #expect(ours == expected, "\(item.tokenizer) \(item.text.debugDescription) token \(index) (\(name))")
            }
        }
        #expect(aligned == total)
    }

    @Test("the request decoders: every route's seed decodes; bad bodies are 400 or 422, never another error")
    func decoders() throws {
        let seeds = TestServer.repository.appendingPathComponent("Fuzz/Seeds/FuzzServeRequests")
        let files = try FileManager.default.contentsOfDirectory(at: seeds, includingPropertiesForKeys: nil)
        #expect(files.count >= 10)
        let routes = RequestDecoder.Route.allCases
        for file in files {
            let bytes = try Data(contentsOf: file)
            let route = routes[Int(bytes[0]) % routes.count]
            do {
                #expect(try RequestDecoder.check(route, body: bytes.dropFirst()) >= 1, "\(file.lastPathComponent)")
            } catch let error as ServerError {
                // The projection seed names a projection this check was not given, the describe seed a cut PNG
                // (decoded only when a model is asked).
                #expect(
                    file.lastPathComponent == "fuse-projection" && error.status == 422,
                    "\(file.lastPathComponent): \(error)")
            }
        }
        let cases: [(RequestDecoder.Route, String, Int)] = [
            (.embeddings, "", 400), (.embeddings, "{", 400), (.embeddings, #"{"input": 3}"#, 422),
            (.embed, #"{"inputs": "a", "truncate": true, "truncation_direction": "Up"}"#, 422),
            (.tokenize, #"{"inputs": [[1, 2]]}"#, 422), (.fuse, #"{"inputs": []}"#, 422),
            (.fuse, #"{"inputs": [{"content": "a"}], "strategy": "mean", "projection": "p"}"#, 422),
            (.fuse, #"{"inputs": [{"content": "a"}], "fusion": "early", "projection": "p"}"#, 422),
            (.describe, #"{"input": "data:image/png;base64,%%%"}"#, 422),
            (.describe, #"{"input": "data:x", "modality": "text"}"#, 422),
            (.embeddings, "[" + String(repeating: "[", count: 600), 400),
        ]
        for (route, body, status) in cases {
            #expect(throws: ServerError.self) { try RequestDecoder.check(route, body: Data(body.utf8)) }
            do { _ = try RequestDecoder.check(route, body: Data(body.utf8)) } catch let error as ServerError {
                #expect(error.status == status, "\(route.rawValue) \(body.prefix(60)): \(error)")
            }
        }
        let projection = try FusionProjection(weight: Tensor(shape: [2, 4], values: [1, 0, 0, 0, 0, 0, 0, 1]))
        #expect(
            try RequestDecoder.check(
                .fuse, body: Data(#"{"inputs": [{"content": "a"}], "projection": "p"}"#.utf8),
                projections: ["p": projection]) == 1)
    }

    @Test("/tokenize reports each token's byte range and the input text it covers, special tokens null")
    func tokenizeOffsets() async throws {
        let server = try await TestServer.shared.value
        let text = "Héllo wörld"
        let reply = try await server.post("/tokenize", json: ["inputs": text])
        #expect(reply.status == 200)
        let tokens = (reply.json as? [[[String: Any]]])?.first ?? []
        #expect(tokens.map { $0["text"] as? String } == ["[CLS]", "Héllo", "wörld", "[SEP]"])
        #expect(tokens.map { $0["start"] as? Int } == [nil, 0, 7, nil])
        #expect(tokens.map { $0["stop"] as? Int } == [nil, 6, 13, nil])
        #expect(tokens.first?["start"] is NSNull, "null, as TEI")
    }

    @Test("/v1/fuse concat with a server projection equals fuse --strategy concat --projection; unknown names are 422")
    func concatProjection() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-proj-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A seeded [24, 768] projection with bias: two 384-d fuse-mini vectors concatenated → 24 dimensions.
        var random = SplitMix64(seed: 19)
        let weight = try Tensor(shape: [24, 768], values: (0..<(24 * 768)).map { _ in Float(random.nextUnit()) - 0.5 })
        let bias = try Tensor(shape: [24], values: (0..<24).map { Float($0) / 100 })
        let file = folder.appendingPathComponent("p.safetensors")
        try SafetensorsWriter.write(["weight": weight, "bias": bias], to: file)
        let text = folder.appendingPathComponent("t.txt")
        try Data("a cat on a mat".utf8).write(to: text)
        let image = TestServer.repository.appendingPathComponent("samples/images/cat.png")

        let out = folder.appendingPathComponent("cli.jsonl")
        let cli = try FuseBinary.run([
            "--model", TestServer.fuseMini, "--inputs", text.path, image.path, "--fusion", "late",
            "--strategy", "concat", "--projection", file.path, "--out", out.path, "--quiet",
        ])
        try #require(cli.status == 0, "\(cli.errors)")
        let line = try #require(try String(contentsOf: out, encoding: .utf8).split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let expected = try #require(object["embedding"] as? [Double]).map { Float($0) }

        let server = try await TestServer.start(
            models: ["fuse-mini=\(TestServer.fuseMini)"],
            projections: ["p24": try FusionProjection.load(file)])
        let inputs: [[String: Any]] = [
            ["content": "a cat on a mat"],
            ["modality": "image", "content": try dataURI(image.path, mime: "image/png")],
        ]
        let reply = try await server.post(
            "/v1/fuse", json: ["inputs": inputs, "strategy": "concat", "projection": "p24"])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        let fused = (reply.object["embedding"] as? [NSNumber] ?? []).map { Float($0.doubleValue) }
        #expect(fused.count == 24 && expected.count == 24)
        #expect(maxAbsDifference(fused, expected) <= 1e-5, "server vs CLI, tolerance 1e-5")
        #expect(reply.object["strategy"] as? String == "concat")
        let implied = try await server.post("/v1/fuse", json: ["inputs": inputs, "projection": "p24"])
        #expect(
            maxAbsDifference(
                (implied.object["embedding"] as? [NSNumber] ?? []).map { Float($0.doubleValue) },
                fused) == 0, "a projection implies concat")
        let unknown = try await server.post("/v1/fuse", json: ["inputs": inputs, "projection": "nope"])
        #expect(unknown.status == 422)
        #expect(String(decoding: unknown.body, as: UTF8.self).contains("p24"), "names the projections it has")
        let wrongSize = try await server.post("/v1/fuse", json: ["inputs": [["content": "a"]], "projection": "p24"])
        #expect(wrongSize.status == 422, "768 inputs expected, 384 given")
        await server.stop()
    }

    @Test("/v1/describe retrieves captions from the model's caption bank as fuse describe --captions does")
    func describeCaptions() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-caps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bank = folder.appendingPathComponent("captions.txt")
        try [
            "a cat sitting on a sofa", "a red car on the road", "a horse in a field", "a plate of food",
            "a man in a space suit", "a dog playing in the snow", "a city skyline at night",
        ]
        .joined(separator: "\n").write(to: bank, atomically: true, encoding: .utf8)
        let image = TestServer.repository.appendingPathComponent("samples/images/cat.png")
        let cli = try FuseBinary.run([
            "describe", image.path, "--model", TestServer.fuseMini, "--captions", bank.path,
            "--json", "--quiet",
        ])
        try #require(cli.status == 0, "\(cli.errors)")
        let described = try #require(try JSONSerialization.jsonObject(with: Data(cli.output.utf8)) as? [[String: Any]])
        let expected = try #require(described.first?["captions"] as? [String])
        #expect(expected.count == 5)

        let server = try await TestServer.start(
            models: ["fuse-mini=\(TestServer.fuseMini)"],
            captionBanks: ["fuse-mini": bank])
        let reply = try await server.post(
            "/v1/describe",
            json: [
                "input": try dataURI(image.path, mime: "image/png"),
                "question": "What is it?",
            ])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(reply.object["captions"] as? [String] == expected)
        #expect((reply.object["prompt"] as? String)?.contains("Captions:\n-" + expected[0]) == true)
        await server.stop()

        // Without a bank (fuse-mini's folder has no captions.txt) there are no captions and no Captions section.
        let plain = try await TestServer.shared.value
        let bare = try await plain.post(
            "/v1/describe",
            json: [
                "model": "fuse-mini",
                "input": try dataURI(image.path, mime: "image/png"),
            ])
        #expect(bare.status == 200 && bare.object["captions"] == nil)
        #expect((bare.object["prompt"] as? String)?.contains("Captions:") == false)
    }
}
