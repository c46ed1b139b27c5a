import AudioFrames
import Foundation
import FuseCore
import FuseTokenizers
import ImagePatch
import Testing

/// Every crash the fuzzers found, replayed from its reproducer in `Tests/Fixtures/reliability` (see docs/RELIABILITY.md).
/// Reproducers of `FuzzTokenizerFiles` start with the format byte the fuzz target reads (0 = tokenizer.json,
/// 1 = vocab.json, `\n%%\n`, merges.txt); the rest is the file.
@Suite("Reliability: fuzzer crash regressions")
struct CrashRegressionTests {
    /// Splits a FuzzTokenizerFiles reproducer into its format byte and files, and loads them as the target does.
    static func loadReproducer(_ name: String) throws -> Tokenizer {
        let bytes = try Data(contentsOf: ReliabilityFixtures.reproducer(name))
        let body = bytes.dropFirst()
        switch bytes.first {
        case 0:
            return try Tokenizer.fromJSON(Data(body))
        case 1:
            let folder = try ReliabilityFixtures.scratchFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let separator = Data("\n%%\n".utf8)
            let split = body.range(of: separator)
            let vocab = split.map { body[..<$0.lowerBound] } ?? body[...]
            let merges = split.map { body[$0.upperBound...] } ?? Data()[...]
            try Data(vocab).write(to: folder.appendingPathComponent("vocab.json"))
            try Data(merges).write(to: folder.appendingPathComponent("merges.txt"))
            return try Tokenizer.load(from: folder.appendingPathComponent("vocab.json"))
        default:
            throw TokenizerError.invalidOption(name: "reproducer", reason: "unknown format byte")
        }
    }

    /// Before the fix each of these trapped (`Int32(id)` overflow, a negative array index) or asked for a 32 GB id
    /// table; now each is a named `invalidTokenID` error.
    @Test(
        "token ids outside 0…maximumTokenID are refused, not trapped on",
        arguments: [
            ("tokenizer_added_token_id_2e40.bin", "[X]", 1 << 40),
            ("tokenizer_added_token_negative_id.bin", "[X]", -5),
            ("tokenizer_vocab_id_2e31.bin", "zzz", 2_147_483_000),
            ("gpt2_vocab_id_2e40.bin", "a", 1 << 40),
        ])
    func tokenIDs(reproducer: String, token: String, id: Int) throws {
        #expect {
            _ = try Self.loadReproducer(reproducer)
        } throws: { error in
            guard case TokenizerError.invalidTokenID(_, let badToken, let badID) = error else { return false }
            return badToken == token && badID == id
        }
    }

    /// Finding 15: two added tokens with the same content at ids 7 and 3. The id table was sized by the last id a
    /// content kept (3) and writing id 7 trapped. HF gives the first `[SEP]` the vocabulary size (1 entry → id 1) and
    /// skips the second; so does Fuse now, and the id table holds every id.
    @Test("duplicated added tokens load with HF's ids instead of trapping")
    func duplicatedAddedTokens() throws {
        let tokenizer = try Self.loadReproducer("tokenizer_added_token_duplicate_ids.bin")
        #expect(tokenizer.addedTokens.map(\.content) == ["[SEP]"])
        #expect(tokenizer.id(forToken: "[SEP]") == 1)
        #expect(tokenizer.token(forID: 1) == "[SEP]")
        #expect(try tokenizer.encode("[SEP]", addSpecialTokens: false).ids == [1])
    }

    @Test("a post-processor special token with an id beyond maximumTokenID is refused")
    func postProcessorID() throws {
        let json = #"""
            {"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "a": 3}},
             "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 1099511627776], "sep": ["[SEP]", 2]}}
            """#
        #expect {
            _ = try Tokenizer.fromJSON(Data(json.utf8))
        } throws: { error in
            guard case TokenizerError.invalidTokenID(_, "[CLS]", 1_099_511_627_776) = error else { return false }
            return true
        }
    }

    /// `num_mel_bins: 1e300` trapped converting to Int; `max_length: 1e12` asked for a 2 PB spectrogram. Both are
    /// now `invalidRecipe` errors (bounds: 4…1024 bins, 1…65,536 frames).
    @Test(
        "AST preprocessor configs with absurd sizes are refused",
        arguments: [
            "preprocessor_num_mel_bins_1e300.json", "preprocessor_max_length_1e12.json",
        ])
    func audioRecipe(reproducer: String) throws {
        let url = ReliabilityFixtures.reproducer(reproducer)
        #expect {
            _ = try AudioPatchRecipe(preprocessorConfig: url)
        } throws: { error in
            guard case AudioError.invalidRecipe(let source, _) = error else { return false }
            return source == url.path
        }
    }

    /// `size.shortest_edge: 999999` loaded fine and then asked for a 4 TB resize of the first image; the resize
    /// target is now checked against `maxOutputPixels` before anything is allocated.
    @Test("an image config whose resize target is enormous fails at preprocessing with a named error")
    func imageResizeTarget() throws {
        let preprocessor = try ImagePreprocessor(
            configURL: ReliabilityFixtures.reproducer("preprocessor_shortest_edge_999999.json"))
        let image = try ImageBuffer(width: 7, height: 5, pixels: [UInt8](repeating: 128, count: 105))
        #expect {
            _ = try preprocessor(image)
        } throws: { error in
            guard case ImageError.invalidParameter(_, let reason) = error else { return false }
            return reason.contains("1399998×999999")
        }
        var small = preprocessor
        small.resize = .shortestEdge(32)
        #expect(try small(image).shape == [3, 32, 44])
    }

    /// libsndfile 1.2.0 leaks ~5.7 KB when it rejects this OGG (found by FuzzAudio under LeakSanitizer; the leak
    /// is upstream and suppressed in Fuzz/lsan.supp). Fuse must still turn the file into a named error.
    @Test("the OGG that makes libsndfile leak is a named error")
    func oggLeakReproducer() throws {
        #expect(throws: AudioError.self) {
            _ = try AudioDecoder().decode(contentsOf: ReliabilityFixtures.reproducer("ogg_vorbis_libsndfile_leak.ogg"))
        }
    }
}
