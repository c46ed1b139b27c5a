import Foundation
import FuseCore
import FuseTestSupport
import Testing

/// `fuse --model-for MODALITY=DIR`: a text model (the BERT fixture) for texts and a HuBERT (the hubert-group fixture)
/// for sounds in one run. Unfused, each input's vector is its own model's (as `fuse embed` gives it); late fusion by
/// concat puts them side by side, normalised; everything that would mix the two spaces is refused by name.
@Suite("fuse --model-for: another model for one modality")
struct ModelForCLITests {
    static let bert = RuntimeFixtures.models.appendingPathComponent("bert").path
    static let hubert = RuntimeFixtures.models.appendingPathComponent("hubert-group").path
    static let sound = JobFixtures.sample("audio/cat.wav").path

    static func textFile() throws -> URL {
        let url = try JobFixtures.folder().appendingPathComponent("caption.txt")
        try JobFixtures.write("a ginger cat resting and looking at the camera\n", to: url)
        return url
    }

    /// The `"embedding"` arrays of a `.json` output, in order.
    static func vectors(_ url: URL) throws -> [[Float]] {
        let objects = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]] ?? []
        return objects.map { ($0["embedding"] as? [NSNumber] ?? []).map(\.floatValue) }
    }

    static func embed(_ model: String, _ file: String, into folder: URL) throws -> [Float] {
        let out = folder.appendingPathComponent(UUID().uuidString + ".json")
        let run = try FuseBinary.run(["embed", "--model", model, "--inputs", file, "--out", out.path, "--quiet"])
        try #require(run.status == 0, "\(run.errors)")
        return try vectors(out)[0]
    }

    @Test("unfused: each input is its own model's vector; concat: both side by side, normalised")
    func concatAndUnfused() throws {
        let text = try Self.textFile()
        let folder = text.deletingLastPathComponent()
        let textVector = try Self.embed(Self.bert, text.path, into: folder)
        let soundVector = try Self.embed(Self.hubert, Self.sound, into: folder)
        #expect(textVector.count != soundVector.count)  // two spaces of different widths

        let unfused = folder.appendingPathComponent("none.json")
        let none = try FuseBinary.run([
            "--model", Self.bert, "--model-for", "audio=\(Self.hubert)", "--inputs", text.path, Self.sound,
            "--fusion", "none", "--out", unfused.path,
        ])
        #expect(none.status == 0, "\(none.errors)")
        let rows = try Self.vectors(unfused)
        #expect(rows.count == 2)
        #expect(maxAbsDifference(rows[0], textVector) <= 1e-6 && maxAbsDifference(rows[1], soundVector) <= 1e-6)
        #expect(none.output.contains("audio by hubert-group"), "\(none.output.prefix(300))")
        #expect(none.output.contains("no similarity table: outputs of different models"))

        let fused = folder.appendingPathComponent("concat.json")
        let late = try FuseBinary.run([
            "--model", Self.bert, "--model-for", "audio=\(Self.hubert)", "--inputs", text.path, Self.sound,
            "--fusion", "late", "--strategy", "concat", "--out", fused.path, "--quiet",
        ])
        #expect(late.status == 0, "\(late.errors)")
        let joined = (textVector + soundVector).map { $0 / Float(2).squareRoot() }  // two unit vectors
        let got = try Self.vectors(fused)
        #expect(got.count == 1 && got[0].count == textVector.count + soundVector.count)
        #expect(got.first.map { maxAbsDifference($0, joined) } ?? 1 <= 1e-6)
    }

    @Test("what would mix two spaces, and malformed or impossible overrides, are refused by name")
    func refusals() throws {
        let text = try Self.textFile().path
        let base = ["--model", Self.bert, "--inputs", text, Self.sound]
        let cases: [(extra: [String], message: String)] = [
            (["--model-for", "audio=\(Self.hubert)", "--fusion", "early"], "early fusion cannot combine them"),
            (["--model-for", "audio=\(Self.hubert)", "--fusion", "late", "--strategy", "mean"], "late fusion by mean"),
            (["--model-for", "audio=\(Self.hubert)", "--fusion", "none", "--plot", "x.png"], "a similarity heat map"),
            (["--model-for", "audio=\(Self.bert)", "--fusion", "none"], "has no audio tower"),
            (["--model-for", "audio", "--fusion", "none"], "--model-for takes MODALITY=DIR"),
            (
                ["--model-for", "audio=\(Self.hubert)", "--model-for", "audio=\(Self.hubert)", "--fusion", "none"],
                "names a modality twice"
            ),
            (["--model-for", "audio=\(Self.hubert)", "--audio-as", "text"], "both say how sounds are embedded"),
        ]
        for (extra, message) in cases {
            let run = try FuseBinary.run(base + extra + ["--quiet"])
            #expect(run.status != 0 && run.errors.contains(message), "\(extra): \(run.errors)")
        }
    }
}
