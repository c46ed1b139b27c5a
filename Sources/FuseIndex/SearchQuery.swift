import Foundation
import Fuse

/// An rclip-style query: terms joined by `+` and `-`, each a text or a path to a file. Its vector is the signed sum
/// of the terms' unit vectors, renormalised: `dog + ./pool.jpg - grass` looks for dogs by a pool, not on grass.
///
/// ```swift
/// let query = try SearchQuery(arguments: ["dog", "+", "./pool.jpg", "-", "grass"])
/// let vector = try await query.vector(using: runtime)
/// ```
public struct SearchQuery: Sendable, Equatable {
    /// One term and its sign.
    public struct Term: Sendable, Equatable {
        public enum Source: Sendable, Equatable {
            case text(String)
            case file(String)
        }
        /// +1 or -1.
        public var sign: Float
        public var source: Source
    }

    public let terms: [Term]

    /// Parses command-line words: `+` and `-` alone are operators; every other word is a term. A word naming an
    /// existing regular file (relative to `base`) is that file, anything else is text. Adjacent terms are added
    /// (`fuse search dog pool` = `dog + pool`); a query may start with `-` but not end with an operator, and two
    /// operators in a row are refused.
    ///
    /// - Throws: `IndexError.invalidQuery` saying what is wrong.
    public init(arguments: [String], base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws
    {
        var terms: [Term] = []
        var sign: Float? = nil
        for word in arguments {
            if word == "+" || word == "-" {
                if sign != nil {
                    throw IndexError.invalidQuery(reason: "two operators in a row ('\(word)' after another operator)")
                }
                sign = word == "+" ? 1 : -1
                continue
            }
            guard !word.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw IndexError.invalidQuery(reason: "an empty term")
            }
            terms.append(Term(sign: sign ?? 1, source: Self.source(of: word, base: base)))
            sign = nil
        }
        if sign != nil { throw IndexError.invalidQuery(reason: "the query ends with an operator") }
        guard !terms.isEmpty else { throw IndexError.invalidQuery(reason: "no terms") }
        guard terms.contains(where: { $0.sign > 0 }) else {
            throw IndexError.invalidQuery(reason: "every term is subtracted; give at least one positive term")
        }
        self.terms = terms
    }

    /// A file when `word` names an existing regular file, else text.
    static func source(of word: String, base: URL) -> Term.Source {
        let url = word.hasPrefix("/") ? URL(fileURLWithPath: word) : base.appendingPathComponent(word)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return .file(url.standardizedFileURL.path)
        }
        return .text(word)
    }

    /// The query's unit vector in `runtime`'s model space: texts through the first text plugin, files through the
    /// plugin the registry picks for them (run-time plugins included).
    ///
    /// - Throws: the embedding errors naming the term, `IndexError.invalidQuery` when the terms cancel out.
    public func vector(using runtime: FuseRuntime) async throws -> [Float] {
        var sum: [Float] = []
        for term in terms {
            let embedding: Embedding
            switch term.source {
            case let .text(text): embedding = try await runtime.embed(text: text)
            case let .file(path): embedding = try await runtime.embed(file: URL(fileURLWithPath: path))
            }
            if sum.isEmpty { sum = [Float](repeating: 0, count: embedding.dimension) }
            guard embedding.dimension == sum.count else {
                throw IndexError.invalidQuery(
                    reason: "terms of different dimensions (\(sum.count), \(embedding.dimension))")
            }
            let norm = max(embedding.vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            for index in sum.indices { sum[index] += term.sign * embedding.vector[index] / norm }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 1e-6 else { throw IndexError.invalidQuery(reason: "the terms cancel out (their sum is zero)") }
        return sum.map { $0 / norm }
    }
}
