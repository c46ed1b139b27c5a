import Foundation

/// A text corpus for distribution extraction: JSON Lines (one object per line with a string field, `text` by
/// default) or plain text (one text per line). The SHA-256 of the file's bytes fingerprints it in manifests, so
/// distributions computed from another corpus are refused.
public struct Corpus: Sendable {
    public let url: URL
    /// The texts, in file order.
    public let texts: [String]
    /// 1-based line number of each text.
    public let lines: [Int]
    /// SHA-256 of the file's bytes (hex).
    public let hash: String

    public enum Format: String, Sendable, CaseIterable {
        case jsonl, text
    }

    /// Reads `url`. The format follows the extension (`.jsonl`/`.json` → JSON Lines) unless given.
    /// Empty lines are errors (``LLMError/emptyCorpusLine(file:line:)``), as is an empty file.
    public init(url: URL, format: Format? = nil, field: String = "text") throws {
        try FuseError.requireFile(url)
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw FuseError.unreadable(path: url.path, reason: "not UTF-8 text")
        }
        let resolved = format ?? (["jsonl", "json"].contains(url.pathExtension.lowercased()) ? .jsonl : .text)
        var lineTexts = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lineTexts.last == "" { lineTexts.removeLast() }  // a final newline ends the last line
        var texts: [String] = [], lines: [Int] = []
        for (index, raw) in lineTexts.enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
            let number = index + 1
            let text: String
            switch resolved {
            case .text:
                text = line
            case .jsonl:
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw LLMError.emptyCorpusLine(file: url.path, line: number)
                }
                let parsed = try JSONErrorReason.jsonObject(Data(line.utf8)) {
                    LLMError.invalidCorpusLine(file: url.path, line: number, reason: $0)
                }
                guard let object = parsed as? [String: Any] else {
                    throw LLMError.invalidCorpusLine(file: url.path, line: number, reason: "not a JSON object")
                }
                guard let value = object[field] as? String else {
                    throw LLMError.invalidCorpusLine(file: url.path, line: number, reason: "no string field '\(field)'")
                }
                text = value
            }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw LLMError.emptyCorpusLine(file: url.path, line: number)
            }
            texts.append(text)
            lines.append(number)
        }
        guard !texts.isEmpty else { throw LLMError.emptyCorpus(file: url.path) }
        var sha = SHA256()
        sha.update(data)
        self.url = url
        self.texts = texts
        self.lines = lines
        self.hash = sha.finalizeHex()
    }
}
