import Foundation
import FuseCore

/// The records already in a `.jsonl` output (finished, or the partial file of an interrupted run), as a resumed run
/// needs them: which list positions are done, with which inputs. Reading checks every line: one that is not a
/// record, or whose settings differ from this run's, is an error naming the file and line — never skipped silently.
struct OutputRecords {
    /// The inputs (resume key) of the record at each list position.
    private(set) var inputsByPosition: [Int: String] = [:]

    var count: Int { inputsByPosition.count }
    var positions: Dictionary<Int, String>.Keys { inputsByPosition.keys }

    init() {}

    /// Reads `url` (every line must end with a newline: cut a torn last line first).
    init(reading url: URL, expecting settings: RunSettings) throws {
        var lines = try LineReader(path: url.path)
        while let (number, text) = lines.next() {
            func corrupt(_ reason: String) -> JobError {
                .corruptOutput(path: url.path, line: number, reason: reason)
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let inputs = object["inputs"] as? [String], object["embedding"] is [Any]
            else {
                throw corrupt("not an embedding record")
            }
            guard let position = object["position"] as? Int, let theirs = RunSettings(json: object["settings"]) else {
                throw corrupt("the record has no list position or run settings (written by an older Fuse)")
            }
            let differences = settings.differences(from: theirs)
            if !differences.isEmpty {
                throw JobError.settingsDiffer(path: url.path, line: number, differences: differences)
            }
            if inputsByPosition.updateValue(JobRecord.key(inputs), forKey: position) != nil {
                throw corrupt("a second record for list position \(position)")
            }
        }
    }

    func inputs(at position: Int) -> String? { inputsByPosition[position] }

    /// Whether every record here is also in `other` (same position, same inputs).
    func isContained(in other: OutputRecords) -> Bool {
        inputsByPosition.allSatisfy { other.inputsByPosition[$0.key] == $0.value }
    }
}
