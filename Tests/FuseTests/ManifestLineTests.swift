import Foundation
import Testing
@testable import Fuse

/// Issue 17: a manifest line missing a field is treated as a bad line of `--inputs-from` is — reported with its
/// file and line in the manifest's own words, skipped, fatal with `--strict`.
@Suite("Main job: bad manifest lines")
struct ManifestLineTests {
    @Test("bad manifest lines are skipped and reported like bad list lines; --strict makes the first fatal")
    func badLinesSkipped() async throws {
        let folder = try JobFixtures.folder()
        let files = try JobFixtures.idFiles(3, in: folder)
        let manifest = folder.appendingPathComponent("groups.jsonl")
        try JobFixtures.write("""
            {"group": "a", "inputs": ["\(files[0].lastPathComponent)", "\(files[1].lastPathComponent)"]}
            {"group": "no inputs"}
            {"group": "b", "inputs": "\(files[2].lastPathComponent)"}
            {"group": "c", "inputs": [3]}
            {"group": "d", "inputs": ["\(files[2].lastPathComponent)"]
            {"group": "e", "inputs": ["\(files[2].lastPathComponent)"]}

            """, to: manifest)
        let summary = try await JobFixtures.run(JobOptions(source: .manifest(manifest), fusion: .late))
        #expect(summary.written == 2)
        let reasons = summary.failures.map(\.description)
        let path = manifest.path
        #expect(reasons == [
            "\(path):2: missing \"inputs\" (expected {\"group\": name, \"inputs\": [paths]})",
            "\(path):3: \"inputs\" must be a list (expected {\"group\": name, \"inputs\": [paths]})",
            "\(path):4: \"inputs\" [0] must be a string (expected {\"group\": name, \"inputs\": [paths]})",
            "\(path):5: not valid JSON (expected {\"group\": name, \"inputs\": [paths]})",
        ], "\(reasons)")
        #expect(!reasons.joined().contains("CodingKeys") && !reasons.joined().contains("DecodingError"))
        await #expect(throws: JobFailure.self) {
            _ = try await JobFixtures.run(JobOptions(source: .manifest(manifest), fusion: .late, strict: true))
        }
        // The same lines in a streamed list read the same way.
        let listed = try await JobFixtures.run(JobOptions(source: .list(manifest.path), fusion: .late))
        #expect(listed.failures.map(\.description) == reasons)
    }
}
