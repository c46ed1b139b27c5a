import Foundation

/// Texts to classify: JSON Lines with a `"text"` field (`.jsonl`), or plain text with one text per line.
public enum TextLines {
    /// Throws `SetFitError.invalidExamples` naming the file and line for an unreadable line or empty text.
    public static func read(_ url: URL) throws -> [String] {
        guard let data = try? Data(contentsOf: url), let content = String(data: data, encoding: .utf8) else {
            throw SetFitError.invalidExamples(file: url.path, line: nil, reason: "cannot be read as UTF-8 text")
        }
        let isJSON = url.pathExtension.lowercased() == "jsonl"
        var texts: [String] = []
        for (index, line) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            if isJSON {
                struct Line: Decodable { let text: String }
                guard let decoded = try? JSONDecoder().decode(Line.self, from: Data(trimmed.utf8)) else {
                    throw SetFitError.invalidExamples(
                        file: url.path, line: index + 1, reason: "not a JSON object with a string field \"text\"")
                }
                texts.append(decoded.text)
            } else {
                texts.append(String(line))
            }
        }
        guard !texts.isEmpty else {
            throw SetFitError.invalidExamples(file: url.path, line: nil, reason: "holds no texts")
        }
        return texts
    }
}
