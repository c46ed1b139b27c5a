import Foundation
import FuseCore
import FuseTestSupport
import Testing

@testable import FuseNER

/// Parity with gliner 0.2.29 (`UniEncoderSpanGLiNER`) on tiny random models over a tiny random DeBERTa-v3 backbone
/// (tools/reference/ner_gliner.py): words, prompt ids, span logits ≤ 1e-4, decoded entities identical.
@Suite struct GLiNERParityTests {
    @Test(arguments: GLiNERFixture.names)
    func wordsMatchGLiNERSplitter(name: String) throws {
        let fixture = try GLiNERFixture.load(name)
        for item in fixture.cases { #expect(WordSplitter.words(item.text) == item.words, "\(item.text)") }
    }

    @Test(arguments: GLiNERFixture.names)
    func promptIDsMatchGLiNERTokenization(name: String) throws {
        let fixture = try GLiNERFixture.load(name)
        let model = fixture.model
        for item in fixture.cases {
            let prompt = try LabelPrompt(labels: item.labels, model: model)
            let pieces = try model.tokenizer.modelIDsBatch(item.words.map(\.text))
            let input = prompt.input(pieces: pieces[...], end: model.ids.end)
            #expect(input.ids == item.inputIDs, "\(item.text)")
        }
    }

    /// gliner's `model.model(...)` logits at every span inside the text, max abs difference ≤ 1e-4.
    @Test(arguments: GLiNERFixture.names)
    func spanLogitsMatchGLiNER(name: String) throws {
        let fixture = try GLiNERFixture.load(name)
        let model = fixture.model
        for item in fixture.cases {
            let prompt = try LabelPrompt(labels: item.labels, model: model)
            let pieces = try model.tokenizer.modelIDsBatch(item.words.map(\.text))
            let logits = try model.logits(
                windows: [prompt.input(pieces: pieces[...], end: model.ids.end)], prompt: prompt, batchSize: 1)[0]
            let expected = item.logits.flatMap { $0.flatMap { $0 } }
            #expect(logits.shape == [expected.count / prompt.labels.count, prompt.labels.count])
            let difference = maxAbsDifference(logits.scalars, expected)
            #expect(difference <= 1e-4, "\(name) '\(item.text.prefix(30))': max |Δ| \(difference)")
        }
    }

    /// `predict_entities` at up to three thresholds per text, flat and nested, multi-label off and on.
    @Test(arguments: GLiNERFixture.names)
    func entitiesMatchPredictEntities(name: String) throws {
        let fixture = try GLiNERFixture.load(name)
        var nonEmpty = 0
        for item in fixture.cases {
            for run in item.runs {
                let found = try fixture.model.extract(item.text, labels: item.labels, options: run.options)
                #expect(
                    sameEntities(found, run.entities),
                    "\(name) '\(item.text.prefix(30))' \(run.options): \(found) vs \(run.entities)")
                if !run.entities.isEmpty { nonEmpty += 1 }
            }
        }
        #expect(nonEmpty >= 10, "the fixture should exercise decoding with entities, not empty lists")
    }

    /// A 2,000-word text: its windows are gliner's (max_len words, overlap max_width), and the merged entities
    /// equal the merge of gliner run on each window's substring.
    @Test(arguments: GLiNERFixture.names)
    func longTextMatchesGLiNERPerWindow(name: String) throws {
        let fixture = try GLiNERFixture.load(name)
        let long = fixture.long
        let words = WordSplitter.words(long.text)
        #expect(words.count == long.wordCount && words.count >= 2000)
        let pieces = try fixture.model.tokenizer.modelIDsBatch(words.map(\.text))
        let windows = try TextWindows.plan(
            pieces: pieces, maxWords: fixture.model.config.maxLength, tokenBudget: 10_000,
            overlap: long.options.windowOverlap!)
        #expect(windows == long.windows)
        let found = try fixture.model.extract(long.text, labels: long.labels, options: long.options)
        #expect(found.count == long.merged.count)
        let differences = zip(found, long.merged).filter { !sameEntities([$0], [$1]) }
        #expect(sameEntities(found, long.merged), "\(name): first differences \(differences.prefix(3))")
    }
}
