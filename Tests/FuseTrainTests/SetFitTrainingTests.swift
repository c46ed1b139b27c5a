import Foundation
import FuseTestSupport
import Testing

@testable import FuseTrain

/// SetFit end to end on the real all-MiniLM-L6-v2 (tools/setup_models.sh) with a short run (num_iterations 1):
/// the folder is written whole, loads for inference, and classifies as training measured; outputs are never
/// overwritten without `force`.
@Suite struct SetFitTrainingTests {
    static func body() throws -> URL {
        let folder = FixturePaths.models.appendingPathComponent("all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            throw SetFitError.invalidBody(file: folder.path, reason: "missing; run tools/setup_models.sh")
        }
        return folder
    }

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("setfit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func shortRun() -> SetFitOptions {
        var options = SetFitOptions()
        options.numIterations = 1
        return options
    }

    @Test func trainsWritesAndClassifiesAsMeasured() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("sentiment")
        let trainer = try SetFitTrainer(body: Self.body(), options: Self.shortRun())
        let evaluation = try LabelledExamples.read(
            FixturePaths.samples.appendingPathComponent("setfit/sentiment-eval.jsonl"))
        var steps: [Int] = []
        let result = try trainer.train(
            train: .read(FixturePaths.samples.appendingPathComponent("setfit/sentiment-train.jsonl")),
            evaluation: evaluation, output: output
        ) { step, _, _ in steps.append(step) }
        #expect(result.pairs == 32)
        #expect(steps == [1, 2])
        #expect(result.classes == [.string("negative"), .string("positive")])
        // Only the finished folder is left: no temporary folder beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["sentiment"])
        let classifier = try SetFitClassifier(directory: output)
        // The head is stored in float32.
        let stored = zip(classifier.head.coefficients[0], result.head.coefficients[0]).map { abs($0 - $1) }.max() ?? 1
        #expect(stored <= 1e-6 && classifier.head.coefficients.count == result.head.coefficients.count)
        let predictions = try classifier.classify(evaluation.texts)
        let correct = zip(predictions, evaluation.labels).filter { $0.label == $1 }.count
        // The inference path on the saved body agrees with the training graph's embeddings.
        #expect(Double(correct) / Double(evaluation.labels.count) == result.evaluationAccuracy)
        #expect(predictions.allSatisfy { abs($0.probabilities.reduce(0, +) - 1) < 1e-9 })
    }

    @Test func refusesAnExistingOutputWithoutForce() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let trainer = try SetFitTrainer(body: Self.body(), options: Self.shortRun())
        let train = try LabelledExamples.read(
            FixturePaths.samples.appendingPathComponent("setfit/sentiment-train.jsonl"))
        #expect(throws: SetFitError.outputExists(path: output.path)) {
            try trainer.train(train: train, evaluation: nil, output: output)
        }
        _ = try trainer.train(train: train, evaluation: nil, output: output, force: true)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("model_head.safetensors").path))
    }

    @Test func refusesEvaluationLabelsUnseenInTraining() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try SetFitTrainer(body: Self.body(), options: Self.shortRun())
        let train = try LabelledExamples(
            texts: ["good", "fine", "bad", "awful"],
            labels: [
                .string("pos"), .string("pos"), .string("neg"), .string("neg"),
            ], source: "train.jsonl")
        let evaluation = try LabelledExamples(texts: ["meh"], labels: [.string("neutral")], source: "eval.jsonl")
        #expect(
            throws: SetFitError.unseenEvaluationLabels(file: "eval.jsonl", labels: ["neutral"], known: ["neg", "pos"])
        ) {
            try trainer.train(train: train, evaluation: evaluation, output: folder.appendingPathComponent("out"))
        }
    }

    @Test func namesAClassWithASingleExample() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try SetFitTrainer(body: Self.body(), options: Self.shortRun())
        let train = try LabelledExamples(
            texts: ["good", "fine", "bad"], labels: [.string("pos"), .string("pos"), .string("neg")],
            source: "train.jsonl")
        do {
            _ = try trainer.train(train: train, evaluation: nil, output: folder.appendingPathComponent("out"))
            Issue.record("a class with one example was accepted")
        } catch let error as SetFitError {
            #expect(error.description.contains("train.jsonl"))
            #expect(error.description.contains("class \"neg\" has a single example"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }
}
