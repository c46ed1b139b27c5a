import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import Fuse
@testable import FuseIndex

/// `fuse search` against `fuse embed`: the ranking and scores equal a brute-force cosine over the vectors `fuse embed`
/// writes for the same files; query arithmetic, the query parser, the HTML page.
@Suite("fuse search")
struct SearchTests {
    @Test("ranking equals brute-force cosine over fuse embed's vectors (file query and text − file query)")
    func rankingMatchesEmbed() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try IndexFixtures.copySamples(into: folder)
        let db = folder.appendingPathComponent("i.sqlite")
        #expect(try IndexFixtures.index([folder], db: db).run.status == 0)
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter {
            !$0.hasPrefix(".") && !$0.hasSuffix(".sqlite")
        }
        .map { folder.appendingPathComponent($0) }.filter { !$0.hasDirectoryPath && $0.pathExtension != "" }
        .sorted { $0.path < $1.path }
        let out = folder.appendingPathComponent("embed.json")
        let embed = try FuseBinary.run(
            ["embed", "--model", IndexFixtures.meta.path, "--inputs"] + files.map(\.path)
                + ["--out", out.path, "--quiet"])
        try #require(embed.status == 0, "\(embed.errors)")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [[String: Any]])
        var vectors: [String: [Float]] = [:]
        for object in objects {
            let path = URL(fileURLWithPath: object["input"] as! String).standardizedFileURL.path
            vectors[path] = (object["embedding"] as! [Double]).map { Float($0) }
        }
        #expect(vectors.count == 21)

        // A file query: its own vector against all.
        let cat = folder.appendingPathComponent("images/cat.png").path
        let search = try FuseBinary.run(["search", cat, "--db", db.path, "--top", "21", "--json"])
        try #require(search.status == 0, "\(search.errors)")
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(search.output.utf8)) as? [[String: Any]])
        let query = vectors[cat]!
        let expected = vectors.map { ($0.key, IndexFixtures.cosine($0.value, query)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        #expect(hits.map { $0["path"] as! String } == expected.map(\.0))
        for (hit, reference) in zip(hits, expected) {
            #expect(abs(Float(hit["score"] as! Double) - reference.1) < 1e-4, "tolerance 1e-4 (float32 sums)")
        }
        #expect(hits.first?["modality"] as? String == "image")

        // Arithmetic: (cat.png − horse.png) renormalised, only images.
        let horse = folder.appendingPathComponent("images/horse.png").path
        let mixed = try FuseBinary.run([
            "search", cat, "-", horse, "--db", db.path, "--top", "3", "--modality", "image",
            "--json",
        ])
        try #require(mixed.status == 0, "\(mixed.errors)")
        let mixedHits = try #require(
            try JSONSerialization.jsonObject(with: Data(mixed.output.utf8)) as? [[String: Any]])
        var combined = zip(vectors[cat]!, vectors[horse]!).map { $0 - $1 }
        let norm = combined.reduce(0) { $0 + $1 * $1 }.squareRoot()
        combined = combined.map { $0 / norm }
        let expectedMixed = vectors.filter { $0.key.contains("/images/") }
            .map { ($0.key, IndexFixtures.cosine($0.value, combined)) }.sorted { $0.1 > $1.1 }.prefix(3).map(\.0)
        #expect(mixedHits.map { $0["path"] as! String } == Array(expectedMixed))
        #expect(mixedHits.last?["path"] as? String != horse)
    }

    @Test("the query parser: operators, implicit +, files vs texts, and its refusals")
    func parser() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("x".utf8).write(to: folder.appendingPathComponent("pool.jpg"))
        let query = try SearchQuery(arguments: ["dog", "+", "pool.jpg", "-", "grass", "sky"], base: folder)
        #expect(
            query.terms == [
                .init(sign: 1, source: .text("dog")),
                .init(sign: 1, source: .file(folder.appendingPathComponent("pool.jpg").path)),
                .init(sign: -1, source: .text("grass")),
                .init(sign: 1, source: .text("sky")),
            ])
        #expect(try SearchQuery(arguments: ["-", "a", "b"], base: folder).terms.map(\.sign) == [-1, 1])
        for bad in [["dog", "+"], ["dog", "+", "-", "cat"], [], ["-", "dog"], ["+"], ["dog", " "]] {
            #expect(throws: IndexError.self, "\(bad)") { try SearchQuery(arguments: bad, base: folder) }
        }
    }

    @Test(
        "terms that cancel out are refused; the HTML page inlines images and audio and is never overwritten without --force"
    )
    func cancelAndPage() async throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let runtime = try FuseRuntime(modelDirectory: IndexFixtures.meta)
        await #expect(throws: IndexError.invalidQuery(reason: "the terms cancel out (their sum is zero)")) {
            try await SearchQuery(arguments: ["dog", "-", "dog", "+", "dog", "-", "dog"]).vector(using: runtime)
        }
        let image = IndexFixtures.samples.appendingPathComponent("images/cat.png").path
        let audio = IndexFixtures.samples.appendingPathComponent("audio/cat.wav").path
        let page = folder.appendingPathComponent("results.html")
        let hits = [
            SearchHit(path: image, modality: .image, score: 0.9),
            SearchHit(path: audio, modality: .audio, score: 0.5),
        ]
        try ResultsPage.write(query: "<cat>", hits: hits, to: page, overwrite: false)
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("<img src=\"data:image/png;base64,iVBOR"))
        #expect(html.contains("<audio controls src=\"data:audio/wav;base64,UklGR"))
        #expect(html.contains("&lt;cat&gt;") && !html.contains("<cat>"))
        #expect(throws: FuseError.outputExists(path: page.path)) {
            try ResultsPage.write(query: "again", hits: hits, to: page, overwrite: false)
        }
        try ResultsPage.write(query: "again", hits: hits, to: page, overwrite: true)
        #expect(try String(contentsOf: page, encoding: .utf8).contains("again"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["results.html"], "no temporary left")
    }
}
