import Foundation
import FuseTestSupport

@testable import FuseNER

/// Tests/Fixtures/ner/reference/<model>.json, written by tools/reference/ner_gliner.py from gliner 0.2.29.
struct GLiNERFixture: Sendable {
    struct Case: Sendable {
        let text: String
        let labels: [String]
        /// [text, start, end] per word.
        let words: [Word]
        let inputIDs: [Int32]
        /// [W][k][C], only spans that end inside the text.
        let logits: [[[Float]]]
        let runs: [Run]
    }

    struct Run: Sendable {
        let options: ExtractionOptions
        let entities: [Entity]
    }

    struct LongCase: Sendable {
        let text: String
        let labels: [String]
        /// Words of `text` by gliner's splitter (2,000 drawn words; "Inc." and the like split in two).
        let wordCount: Int
        let options: ExtractionOptions
        let windows: [Range<Int>]
        let merged: [Entity]
    }

    let name: String
    let model: NERModel
    let maxWidth: Int
    let cases: [Case]
    let long: LongCase

    static let names = ["gliner-tiny", "gliner-square"]

    static func load(_ name: String) throws -> GLiNERFixture {
        let data = try Data(contentsOf: FixturePaths.url("ner/reference/\(name).json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        func entities(_ rows: Any?, text: String) -> [Entity] {
            let scalars = Array(text.unicodeScalars)
            return (rows as! [[Any]]).map { row in
                let start = row[0] as! Int
                let end = row[1] as! Int
                var slice = String.UnicodeScalarView()
                slice.append(contentsOf: scalars[start..<end])
                return Entity(
                    text: String(slice), label: row[2] as! String, score: (row[3] as! NSNumber).floatValue,
                    start: start, end: end)
            }
        }
        func options(_ run: [String: Any]) -> ExtractionOptions {
            ExtractionOptions(
                threshold: (run["threshold"] as! NSNumber).floatValue, flat: run["flat_ner"] as! Bool,
                multiLabel: run["multi_label"] as! Bool)
        }
        let cases = (json["cases"] as! [[String: Any]]).map { item -> Case in
            let text = item["text"] as! String
            return Case(
                text: text, labels: item["labels"] as! [String],
                words: (item["words"] as! [[Any]]).map {
                    Word(text: $0[0] as! String, start: $0[1] as! Int, end: $0[2] as! Int)
                },
                inputIDs: (item["input_ids"] as! [Int]).map(Int32.init),
                logits: (item["logits"] as! [[[NSNumber]]]).map { $0.map { $0.map(\.floatValue) } },
                runs: (item["runs"] as! [[String: Any]]).map {
                    Run(options: options($0), entities: entities($0["entities"], text: text))
                })
        }
        let long = json["long"] as! [String: Any]
        let longText = long["text"] as! String
        var longOptions = options(long)
        longOptions.windowOverlap = long["overlap"] as? Int
        return GLiNERFixture(
            name: name, model: try NERModel.load(directory: FixturePaths.url("ner/\(name)")),
            maxWidth: json["max_width"] as! Int, cases: cases,
            long: LongCase(
                text: longText, labels: long["labels"] as! [String], wordCount: long["word_count"] as! Int,
                options: longOptions,
                windows: (long["windows"] as! [[Int]]).map { $0[0]..<$0[1] },
                merged: entities(long["merged"], text: longText)))
    }
}

/// Entities compared field by field: offsets, text and label exactly, scores within `tolerance`.
func sameEntities(_ a: [Entity], _ b: [Entity], tolerance: Float = 1e-4) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy {
            $0.start == $1.start && $0.end == $1.end && $0.text == $1.text && $0.label == $1.label
                && abs($0.score - $1.score) <= tolerance
        }
}
