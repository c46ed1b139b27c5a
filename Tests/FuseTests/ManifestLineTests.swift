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
        try JobFixtures.write(
            """
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
        #expect(
            reasons == [
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

/// A manifest line or a plugin registry whose nesting passes 512 levels at its last byte crashed swift-foundation's
/// JSONDecoder (an out-of-range source location trap; found by FuzzPluginRegistry in CI's smoke run): every
/// JSONDecoder use now goes through `JSONErrorReason.decode`, whose scanner refuses it first.
@Suite("Crash regression: JSON nested past 512 levels at the last byte")
struct DeepJSONRegressionTests {
    @Test("a manifest line {\"inputs\": + 512 × [ is a skipped bad line, not a crash")
    func deepManifestLine() async throws {
        let folder = try JobFixtures.folder()
        let manifest = folder.appendingPathComponent("deep.jsonl")
        try JobFixtures.write("{\"inputs\":" + String(repeating: "[", count: 512), to: manifest)
        await #expect(throws: JobError.everythingSkipped(count: 1)) {
            _ = try await JobFixtures.run(JobOptions(source: .manifest(manifest), fusion: .late))
        }
        #expect(throws: Never.self) { _ = try GroupManifest.entries(manifest) }
    }

    @Test("JSONErrorReason.decode refuses 513 × [ by position before JSONDecoder sees it")
    func deepDecode() throws {
        struct Anything: Decodable {}
        let data = Data(String(repeating: "[", count: 513).utf8)
        #expect { _ = try JSONErrorReason.decode(Anything.self, from: data) } throws: { error in
            "\(error)" == "line 1, column 513: nested more than 512 levels deep"
        }
    }
}
