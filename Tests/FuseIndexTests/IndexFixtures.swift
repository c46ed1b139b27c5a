import Foundation
import FuseTestSupport
@testable import FuseIndex

/// Folders of sample files, the fixture models, and ways to read back an index, for the FuseIndex tests.
enum IndexFixtures {
    static let repository = FixturePaths.repository
    static let samples = FixturePaths.samples
    static let models = FixturePaths.url("models")
    /// A Meta-Transformer fixture with text, image and audio towers (tiny, so indexing takes milliseconds a file).
    static let meta = models.appendingPathComponent("meta")

    /// A new empty folder under the temporary directory.
    static func folder(_ name: String = "index") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `samples/images`, `samples/audio` and `samples/text` copied into `folder` (21 files).
    static func copySamples(into folder: URL) throws {
        for kind in ["images", "audio", "text"] {
            try FileManager.default.copyItem(
                at: samples.appendingPathComponent(kind),
                to: folder.appendingPathComponent(kind))
        }
    }

    /// `count` distinct text files (sample sentences with a number) plus the sample images, in `folder`.
    static func manyFiles(_ count: Int, in folder: URL) throws {
        let texts = try FileManager.default.contentsOfDirectory(
            at: samples.appendingPathComponent("text"),
            includingPropertiesForKeys: nil
        )
        .filter { $0.pathExtension == "txt" }.sorted { $0.path < $1.path }
        let target = folder.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for index in 0..<count {
            let base = try String(contentsOf: texts[index % texts.count], encoding: .utf8)
            try "\(base) (note \(index))".write(
                to: target.appendingPathComponent(String(format: "n%04d.txt", index)),
                atomically: false, encoding: .utf8)
        }
        try FileManager.default.copyItem(
            at: samples.appendingPathComponent("images"),
            to: folder.appendingPathComponent("images"))
    }

    /// Runs `fuse index` and decodes its `--json` counts.
    static func index(
        _ folders: [URL], model: URL = meta, db: URL? = nil,
        extra: [String] = []
    ) throws -> (report: [String: Int], run: FuseBinary.Run) {
        var arguments = ["index"] + folders.map(\.path) + ["--model", model.path, "--json", "--quiet"]
        if let db { arguments += ["--db", db.path] }
        let run = try FuseBinary.run(arguments + extra)
        let object = (try? JSONSerialization.jsonObject(with: Data(run.output.utf8))) as? [String: Int]
        return (object ?? [:], run)
    }

    /// Every row of the index at `url` with its vector (any model), sorted by path.
    static func rows(_ url: URL) throws -> [(record: IndexRecord, vector: [Float])] {
        let index = try FuseIndex(readingFrom: url)
        return try index.records().map { record in
            (record, try index.entry(path: record.path)?.vector ?? [])
        }
    }

    /// Whether two indexes hold the same rows (paths, facts, models) and vectors within `tolerance`.
    static func sameRows(_ a: URL, _ b: URL, tolerance: Float = 1e-5) throws -> (Bool, String) {
        let left = try rows(a), right = try rows(b)
        guard left.count == right.count else { return (false, "\(left.count) rows vs \(right.count)") }
        for (x, y) in zip(left, right) {
            guard x.record == y.record else { return (false, "\(x.record) vs \(y.record)") }
            guard x.vector.count == y.vector.count,
                zip(x.vector, y.vector).allSatisfy({ abs($0 - $1) <= tolerance })
            else {
                return (false, "vectors of \(x.record.path) differ")
            }
        }
        return (true, "")
    }

    /// Cosine similarity of two vectors.
    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for index in a.indices {
            dot += a[index] * b[index]
            na += a[index] * a[index]
            nb += b[index] * b[index]
        }
        return dot / (na * nb).squareRoot()
    }
}
