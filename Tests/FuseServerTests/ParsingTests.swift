import Foundation
import FuseServer
import Testing

/// The request-side parsers: data URIs, `--model` arguments, OpenAI's `input` shapes, vector encodings, and a
/// bounded random-input run over the decoders (no crash, only typed errors).
@Suite("Request parsing")
struct ParsingTests {
    @Test("data URIs: media type and bytes; paths, URLs, non-base64 and bad base64 are refused by name")
    func dataURIs() throws {
        let uri = try DataURI(parsing: "data:image/PNG;name=x;base64,aGVs\nbG8=")
        #expect(uri.mediaType == "image/png")
        #expect(uri.bytes == Data("hello".utf8))
        let refusals: [(String, DataURI.ParseError)] = [
            ("/etc/passwd", .notADataURI(scheme: "path")),
            ("https://example.com/a.png", .notADataURI(scheme: "https")),
            ("data:image/png;base64", .missingComma),
            ("data:text/plain,hello", .notBase64),
            ("data:image/png;base64,!!!!", .invalidBase64),
            ("data:image/png;base64,", .empty),
        ]
        for (string, expected) in refusals {
            #expect(throws: expected) { try DataURI(parsing: string) }
        }
    }

    @Test("--model NAME=DIR, DIR and ORG/NAME")
    func modelSpecs() throws {
        #expect(
            try ModelSpec(parsing: "mini=models/all-MiniLM-L6-v2")
                == ModelSpec(name: "mini", location: "models/all-MiniLM-L6-v2"))
        #expect(try ModelSpec(parsing: "models/fuse-mini/").name == "fuse-mini")
        #expect(try ModelSpec(parsing: "sentence-transformers/all-MiniLM-L6-v2").name == "all-MiniLM-L6-v2")
        #expect(throws: ServeSetupError.self) { try ModelSpec(parsing: "name=") }
        let twice = ServerConfiguration(models: [
            ModelSpec(name: "a", location: "x"), ModelSpec(name: "a", location: "y"),
        ])
        #expect(throws: ServeSetupError.duplicateModelName("a")) { try twice.validate() }
    }

    @Test("input: a string, strings, [int] and [[int]]; anything else is a typed decoding error")
    func inputShapes() throws {
        func decode(_ json: String) throws -> EmbeddingsRequest {
            try JSONDecoder().decode(EmbeddingsRequest.self, from: Data(json.utf8))
        }
        #expect(try decode(#"{"input": "a"}"#).input == .strings(["a"]))
        #expect(try decode(#"{"input": ["a", "b"]}"#).input == .strings(["a", "b"]))
        #expect(try decode(#"{"input": [1, 2]}"#).input == .tokenIDs([[1, 2]]))
        #expect(try decode(#"{"input": [[1], [2, 3]], "encoding_format": "base64"}"#).encodingFormat == .base64)
        #expect(throws: DecodingError.self) { try decode(#"{"input": {"a": 1}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"input": ["a", 1]}"#) }
        #expect(throws: ServerError.self) { try decode(#"{"input": [1], "modality": "image"}"#).items() }
    }

    @Test("base64 vectors are little-endian float32 and round-trip exactly; truncation renormalises")
    func vectorEncoding() throws {
        let vector: [Float] = [1, -2.5, .pi, 1e-30]
        #expect(VectorEncoding.base64([1]) == "AACAPw==")
        #expect(VectorEncoding.floats(base64: VectorEncoding.base64(vector)) == vector)
        #expect(try VectorEncoding.truncate([3, 4, 12], to: 2) == [0.6, 0.8])
        #expect(throws: ServerError.self) { try VectorEncoding.truncate([1, 2], to: 0) }
    }

    @Test("every error has one status: 400 401 404 413 422 429 503 500")
    func statuses() {
        let errors: [(ServerError, Int)] = [
            (.malformedRequest("x"), 400), (.unauthorized, 401), (.unknownModel(name: "a", served: ["b"]), 404),
            (.unknownRoute("/x"), 404), (.payloadTooLarge(limit: 1), 413), (.tooManyInputs(count: 2, limit: 1), 413),
            (.itemTooLarge(item: 0, what: "x", limit: "y"), 413), (.invalidInput("x"), 422),
            (.tooManyRequests(limit: 1), 429), (.loading, 503), (.draining, 503), (.timedOut(seconds: 1), 503),
            (.internalError("x"), 500),
        ]
        for (error, status) in errors { #expect(error.status == status, "\(error)") }
    }

    @Test("10⁴ random and mutated bodies: the decoders return values or typed errors, never crash")
    func randomBodies() {
        var generator = SystemRandomNumberGenerator()
        let seeds = [
            #"{"input": ["a", "b"], "model": "m", "dimensions": 3}"#, #"{"input": [[1, 2], [3]]}"#,
            #"{"input": "data:image/png;base64,iVBORw0KGgo=", "modality": "image"}"#,
        ]
        let alphabet = Array(#"{}[]",:0123456789.-eE truefalsnuldata:;base64,=+/AZaz\"#.utf8)
        var decoded = 0
        for round in 0..<10_000 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0..<max(bytes.count, 1), using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where !bytes.isEmpty: bytes.remove(at: min(position, bytes.count - 1))
                case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: min(position, bytes.count))
                default:
                    if !bytes.isEmpty {
                        bytes[min(position, bytes.count - 1)] = UInt8.random(in: 0...255, using: &generator)
                    }
                }
            }
            if let request = try? JSONDecoder().decode(EmbeddingsRequest.self, from: Data(bytes)) {
                decoded += 1
                _ = try? request.items()
            }
            _ = try? DataURI(parsing: String(decoding: bytes, as: UTF8.self))
        }
        #expect(decoded > 0)
    }
}
