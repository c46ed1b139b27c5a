import Foundation
@testable import FuseTokenizers
import FuseTestSupport

/// Locates Tests/Fixtures/text and decodes the expected outputs written by tools/reference/text_fixtures.py.
enum TextFixtures {
    static let root = FixturePaths.url("text")

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let type_ids: [Int32]?
        let ids_no_special: [Int32]?
        let tokens: [String]?
        let decoded: String?
        let decoded_with_special: String?
        let attention_mask: [Int32]?
    }

    struct Expected: Decodable {
        let cases: [Case]
        let truncated: [Case]?
        let as_saved: [Case]?
        let vocab_txt_ids: [[Int32]]?
        let context77: Case?
    }

    static func expected(_ path: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url(path)))
    }

    /// Tokenizers are loaded once per test process.
    nonisolated(unsafe) private static var cache: [String: Tokenizer] = [:]
    private static let lock = NSLock()
    static func tokenizer(_ path: String) throws -> Tokenizer {
        lock.lock(); defer { lock.unlock() }
        if let cached = cache[path] { return cached }
        let tokenizer = try Tokenizer.load(from: url(path))
        cache[path] = tokenizer
        return tokenizer
    }
}
