import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import Fuse
@testable import FuseIndex
import ImagePatch

/// Scoring precision and the command line's less travelled paths: float32 search (an int8 scan with a proven bound,
/// then exact float32 scores) equals brute force on vectors built to defeat the bound; `fuse search --int8`;
/// thumbnails on the results page; a second writer refused without touching the index.
@Suite("index precision, --int8, thumbnails, second writer")
struct SearchPrecisionTests {
    /// Seeded unit vectors, with clusters of near-duplicates (many rows within the int8 error of each other, the
    /// case where the candidate bound matters), exact duplicates, and a row with a huge component.
    static func vectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var random = SplitMix64(seed: seed)
        func unit(_ values: [Float]) -> [Float] {
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return values.map { $0 / norm }
        }
        let centres = (0..<4).map { _ in unit((0..<dimension).map { _ in Float(random.nextUnit()) * 2 - 1 }) }
        return (0..<count).map { row in
            switch row % 5 {
            case 0, 1:  // near a centre: differences of ~1e-3, below int8's resolution
                let centre = centres[row % 4]
                return unit(centre.map { $0 + (Float(random.nextUnit()) - 0.5) * 2e-3 })
            case 2 where row >= 10:
                return centres[row % 4]  // exact duplicates
            default:
                var values = (0..<dimension).map { _ in Float(random.nextUnit()) * 2 - 1 }
                if row == 7 { values[0] = 400 }  // one dominant component: a coarse int8 scale for that row
                return unit(values)
            }
        }
    }

    @Test(
        "float32 search equals brute-force float32 ranking and scores, with and without a modality filter",
        arguments: [
            (dimension: 384, count: 3000, seed: UInt64(1)), (dimension: 37, count: 1001, seed: 2),
            (dimension: 5, count: 9, seed: 3),
        ])
    func float32EqualsBruteForce(dimension: Int, count: Int, seed: UInt64) throws {
        let folder = try IndexFixtures.folder("precision")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("v.sqlite")
        let rows = Self.vectors(count: count, dimension: dimension, seed: seed)
        let writer = try FuseIndex(writingTo: db, modelID: "m", dimension: dimension)
        try writer.add(
            rows.enumerated().map { index, vector in
                IndexEntry(
                    path: String(format: "/v/%05d", index), modality: index % 3 == 0 ? .audio : .image,
                    file: FileFacts(size: 1, modificationTime: 0, contentHash: "\(index)"), vector: vector)
            })
        let index = try FuseIndex(readingFrom: db)
        let queries = [rows[0], rows[1], rows[7], Self.vectors(count: 1, dimension: dimension, seed: seed + 100)[0]]
        for (q, query) in queries.enumerated() {
            for k in [1, 10, 50] {
                for modality in [nil, Modality.audio] {
                    let hits = try index.search(vector: query, k: k, modality: modality)
                    let expected = rows.indices.filter { modality == nil || $0 % 3 == 0 }
                        .map { (row: $0, score: zip(rows[$0], query).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
                        .sorted { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }.prefix(k)
                    #expect(hits.count == expected.count)
                    for (hit, reference) in zip(hits, expected) {
                        // Ties (duplicates) may be ordered either way by summation order; the scores must agree.
                        #expect(
                            abs(hit.score - reference.score) <= 1e-5,
                            "query \(q), k \(k): \(hit.path) \(hit.score) vs /v/\(reference.row) \(reference.score)")
                    }
                    // The exact k-th score bounds every row left out (nothing better was missed).
                    if let last = hits.last?.score, expected.count == k {
                        #expect(last >= expected.last!.score - 1e-5)
                    }
                }
            }
        }
    }

    @Test("fuse search --int8 ranks the samples as float32 does, scores within 2e-2")
    func int8Command() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try IndexFixtures.copySamples(into: folder)
        let db = folder.appendingPathComponent("i.sqlite")
        try #require(try IndexFixtures.index([folder], db: db).run.status == 0)
        let query = folder.appendingPathComponent("images/cat.png").path
        func hits(_ extra: [String]) throws -> [[String: Any]] {
            let run = try FuseBinary.run(["search", query, "--db", db.path, "--top", "21", "--json"] + extra)
            try #require(run.status == 0, "\(run.errors)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]])
        }
        let exact = try hits([]), quantized = try hits(["--int8"])
        #expect(quantized.count == 21 && exact.count == 21)
        #expect(quantized.first?["path"] as? String == query)
        var scores: [String: Double] = [:]
        for hit in exact { scores[hit["path"] as! String] = hit["score"] as? Double }
        for hit in quantized {
            let reference = try #require(scores[hit["path"] as! String])
            #expect(abs((hit["score"] as! Double) - reference) < 2e-2, "int8 vs float32 score")
        }
        // Ranks agree wherever float32's scores are further apart than int8's error.
        let exactOrder = exact.map { $0["path"] as! String }, quantizedOrder = quantized.map { $0["path"] as! String }
        for (rank, path) in quantizedOrder.enumerated() where exactOrder[rank] != path {
            let gap = abs(scores[path]! - scores[exactOrder[rank]]!)
            #expect(gap < 4e-2, "rank \(rank + 1): \(path) vs \(exactOrder[rank]) differ by \(gap)")
        }
    }

    @Test("the results page shows images as PNG thumbnails of at most 128 px a side, linked to the file")
    func thumbnails() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = [
            IndexFixtures.samples.appendingPathComponent("images/coffee.jpg"),  // 600×400
            IndexFixtures.repository.appendingPathComponent("Tests/Fixtures/image/decode/coffee_333x517.jpg"),
            IndexFixtures.repository.appendingPathComponent("Tests/Fixtures/image/decode/grey1.png"),
        ]  // 37×29
        let page = folder.appendingPathComponent("page.html")
        try ResultsPage.write(
            query: "q", hits: images.map { SearchHit(path: $0.path, modality: .image, score: 1) },
            to: page, overwrite: false)
        let html = try String(contentsOf: page, encoding: .utf8)
        let sources = html.components(separatedBy: "<img src=\"data:image/png;base64,").dropFirst()
            .map { String($0.prefix { $0 != "\"" }) }
        try #require(sources.count == 3)
        let expectedSizes = [(128, 85), (82, 128), (37, 29)]
        for ((source, image), size) in zip(zip(sources, images), expectedSizes) {
            let png = try #require(Data(base64Encoded: source))
            let decoded = try ImageDecoder().decode(png, name: "thumbnail")
            #expect(decoded.width == size.0 && decoded.height == size.1, "\(image.lastPathComponent)")
            #expect(png.count < 40_000, "a thumbnail, not the file")
            #expect(html.contains("<a href=\"\(image.absoluteString)\">"))
        }
        // The thumbnail is the image scaled down: its mean colour matches the original's.
        let original = try ImageDecoder().decode(contentsOf: images[0])
        let small = try ImageDecoder().decode(Data(base64Encoded: sources.first!)!, name: "thumbnail")
        func mean(_ image: ImageBuffer) -> Double {
            Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(image.pixels.count)
        }
        #expect(abs(mean(original) - mean(small)) < 2, "mean intensity (of 255) kept within 2")
        // A file that is not an image it can read gets a link instead of a broken picture.
        let bogus = folder.appendingPathComponent("bogus.png")
        try Data("not a png".utf8).write(to: bogus)
        #expect(
            ResultsPage.html(query: "q", hits: [SearchHit(path: bogus.path, modality: .image, score: 1)])
                .contains("(no preview)"))
    }

    @Test("a second writer is refused at once, naming the lock, and the index is left as it was")
    func secondWriterRefused() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try IndexFixtures.copySamples(into: folder)
        let db = folder.appendingPathComponent("i.sqlite")
        try #require(try IndexFixtures.index([folder], db: db).run.status == 0)
        let before = try IndexFixtures.rows(db)
        try "a new note".write(to: folder.appendingPathComponent("text/new.txt"), atomically: true, encoding: .utf8)

        // The first writer: this process holds the database's lock, as a running `fuse index` does.
        let held = try OutputLock(output: db)
        let second = try IndexFixtures.index([folder], db: db)
        #expect(second.run.status != 0)
        #expect(second.run.errors.contains("being written by another run"), "\(second.run.errors)")
        #expect(second.run.errors.contains(OutputLock.lockURL(for: db).path))
        #expect(second.run.errors.contains("pid \(getpid())"), "names the holder")
        let during = try IndexFixtures.rows(db)
        #expect(
            during.map(\.record) == before.map(\.record) && during.map(\.vector) == before.map(\.vector),
            "nothing written by the refused run")
        held.release()

        let third = try IndexFixtures.index([folder], db: db)
        #expect(third.run.status == 0, "\(third.run.errors)")
        #expect(third.report["added"] == 1 && third.report["unchanged"] == 21)
    }
}
