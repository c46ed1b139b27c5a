import Foundation

/// Texts with class labels, read from JSON Lines (`{"text": "…", "label": "positive"}` per line; the label a
/// string or an integer) or CSV (a header with `text` and `label` columns; RFC 4180 quoting).
public struct LabelledExamples: Sendable, Equatable {
    public let texts: [String]
    public let labels: [ClassLabel]
    /// The file they came from (for messages).
    public let source: String

    public init(texts: [String], labels: [ClassLabel], source: String) throws {
        guard texts.count == labels.count else {
            throw SetFitError.invalidTrainingData(reason: "\(source): \(texts.count) texts but \(labels.count) labels")
        }
        self.texts = texts
        self.labels = labels
        self.source = source
    }

    /// The distinct labels in sklearn's `classes_` order.
    public var classes: [ClassLabel] { Array(Set(labels)).sorted() }

    /// Reads `url` (`.csv` as CSV, anything else as JSON Lines). Throws `SetFitError.invalidExamples` naming the
    /// file and line for an unreadable line, a missing or empty text, a label that is not a string or an integer,
    /// or a text that occurs twice.
    public static func read(_ url: URL) throws -> LabelledExamples {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SetFitError.invalidExamples(
                file: url.path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SetFitError.invalidExamples(file: url.path, line: nil, reason: "is not UTF-8 text")
        }
        let rows =
            url.pathExtension.lowercased() == "csv"
            ? try csvRows(text, file: url.path) : try jsonLines(text, file: url.path)
        guard !rows.isEmpty else {
            throw SetFitError.invalidExamples(file: url.path, line: nil, reason: "holds no examples")
        }
        var seen: [String: Int] = [:]
        for row in rows {
            guard !row.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw SetFitError.invalidExamples(file: url.path, line: row.line, reason: "the text is empty")
            }
            if let first = seen[row.text] {
                throw SetFitError.invalidExamples(
                    file: url.path, line: row.line, reason: "the same text as line \(first) (duplicates skew the pairs)"
                )
            }
            seen[row.text] = row.line
        }
        return try LabelledExamples(texts: rows.map(\.text), labels: rows.map(\.label), source: url.path)
    }

    struct Row {
        let line: Int
        let text: String
        let label: ClassLabel
    }

    static func jsonLines(_ content: String, file: String) throws -> [Row] {
        var rows: [Row] = []
        for (index, line) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let number = index + 1
            guard let decoded = try? JSONDecoder().decode(JSONLine.self, from: Data(trimmed.utf8)) else {
                throw SetFitError.invalidExamples(file: file, line: number, reason: "not a JSON object")
            }
            guard let text = decoded.text else {
                throw SetFitError.invalidExamples(file: file, line: number, reason: "no string field \"text\"")
            }
            switch decoded.label {
            case .none:
                throw SetFitError.invalidExamples(file: file, line: number, reason: "no field \"label\"")
            case .some(.label(let label)):
                rows.append(Row(line: number, text: text, label: label))
            case .some(.other(let kind)):
                throw SetFitError.invalidExamples(
                    file: file, line: number, reason: "the label is \(kind), not a string or an integer")
            }
        }
        return rows
    }

    /// One JSON Lines record: `text` must be a string; `label` is kept whatever it is, to name a wrong kind.
    struct JSONLine: Decodable {
        let text: String?
        let label: JSONLabel?

        enum CodingKeys: String, CodingKey { case text, label }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try? container.decode(String.self, forKey: .text)
            label = container.contains(.label) ? try container.decode(JSONLabel.self, forKey: .label) : nil
        }
    }

    enum JSONLabel: Decodable {
        case label(ClassLabel)
        case other(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .other("null")
            } else if let flag = try? container.decode(Bool.self) {
                self = .other("the boolean \(flag)")
            } else if let integer = try? container.decode(Int.self) {
                self = .label(.integer(integer))
            } else if let number = try? container.decode(Double.self) {
                self = .other("the fraction \(number)")
            } else if let string = try? container.decode(String.self) {
                self = .label(.string(string))
            } else {
                self = .other("an array or object")
            }
        }
    }

    static func csvRows(_ content: String, file: String) throws -> [Row] {
        let records = try CSVRecords.parse(content, file: file)
        guard let header = records.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let textColumn = names.firstIndex(of: "text"), let labelColumn = names.firstIndex(of: "label") else {
            throw SetFitError.invalidExamples(
                file: file, line: header.line, reason: "the header needs columns \"text\" and \"label\" (has \(names))")
        }
        return try records.dropFirst().map { record in
            guard record.fields.count == names.count else {
                throw SetFitError.invalidExamples(
                    file: file, line: record.line,
                    reason: "\(record.fields.count) fields where the header has \(names.count)")
            }
            let rawLabel = record.fields[labelColumn].trimmingCharacters(in: .whitespaces)
            guard !rawLabel.isEmpty else {
                throw SetFitError.invalidExamples(file: file, line: record.line, reason: "the label is empty")
            }
            let label: ClassLabel = Int(rawLabel).map { .integer($0) } ?? .string(rawLabel)
            return Row(line: record.line, text: record.fields[textColumn], label: label)
        }
    }
}
