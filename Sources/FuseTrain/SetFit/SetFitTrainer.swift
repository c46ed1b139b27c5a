import Foundation
import Fuse
import FuseCore

/// SetFit end to end: contrastive fine-tuning of a sentence-transformers BERT body on pairs of the labelled
/// examples (stage 1), then a logistic-regression head on the fine-tuned embeddings (stage 2), written as a SetFit
/// folder.
///
/// ```swift
/// let trainer = try SetFitTrainer(body: URL(fileURLWithPath: "models/all-MiniLM-L6-v2"))
/// let result = try trainer.train(train: try .read(trainURL), evaluation: nil, output: outURL) { done, total, loss in }
/// print(result.evaluationAccuracy ?? 0)
/// ```
public final class SetFitTrainer: @unchecked Sendable {
    public let body: URL
    public let options: SetFitOptions
    let shape: BERTShape
    let checkpoint: SafetensorsCheckpoint
    let tokenizer: SentenceTokenizer

    /// Opens the body folder (a sentence-transformers BERT: `config.json`, `model.safetensors`, tokenizer files).
    /// Throws `SetFitError.invalidBody` or `invalidOption`, or the loader's error for an unreadable folder.
    public init(body: URL, options: SetFitOptions = SetFitOptions()) throws {
        try options.validate()
        self.body = body
        self.options = options
        shape = try BERTShape(config: body.appendingPathComponent("config.json"))
        checkpoint = try SafetensorsCheckpoint(url: body.appendingPathComponent("model.safetensors"))
        tokenizer = try SentenceTokenizer(modelDirectory: body)
    }

    /// What a training run produced.
    public struct Result: Sendable {
        public let classes: [ClassLabel]
        public let pairs: Int
        public let steps: Int
        /// Mean stage-1 loss over the last epoch.
        public let finalLoss: Float
        /// Accuracy on the evaluation examples (nil without them).
        public let evaluationAccuracy: Double?
        public let head: LogisticRegressionHead
    }

    /// Trains on `train`, evaluates on `evaluation` when given, and writes the model to `output` (never over an
    /// existing folder unless `force`). `progress(step, totalSteps, loss)` is called after every step.
    public func train(
        train: LabelledExamples, evaluation: LabelledExamples?, output: URL, force: Bool = false,
        progress: (Int, Int, Float) -> Void = { _, _, _ in }
    ) throws -> Result {
        try SetFitFolder.checkWritable(output, force: force)
        let classes = train.classes
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let labels = train.labels.map { classIndex[$0]! }
        if let evaluation {
            let unseen = Set(evaluation.labels).subtracting(classes).sorted()
            if !unseen.isEmpty {
                throw SetFitError.unseenEvaluationLabels(
                    file: evaluation.source, labels: unseen.map(\.description), known: classes.map(\.description))
            }
        }
        let pairs: [ContrastivePair]
        do {
            pairs = try PairSampler.pairs(labels: labels, numIterations: options.numIterations)
        } catch SetFitError.invalidTrainingData(let reason) {
            // Name the file and the label as the user wrote it.
            var message = reason
            for (index, label) in classes.enumerated() {
                message = message.replacingOccurrences(of: "class \(index) ", with: "class \"\(label)\" ")
            }
            throw SetFitError.invalidExamples(file: train.source, line: nil, reason: message)
        }
        let sequences = try train.texts.map { try tokenizer.ids($0) }

        let parameters = try BERTParameters(shape: shape, checkpoint: checkpoint)
        let graph = BERTTrainingGraph(parameters: parameters, dropoutSeed: options.seed)
        let batchesPerEpoch = (pairs.count + options.batchSize - 1) / options.batchSize
        let accumulation = options.gradientAccumulationSteps
        // As transformers' Trainer: an epoch's last, shorter group of batches still ends in a step.
        let stepsPerEpoch = (batchesPerEpoch + accumulation - 1) / accumulation
        let totalSteps = stepsPerEpoch * options.epochs
        let stepper = ContrastiveStepper(
            graph: graph,
            schedule: LinearWarmupSchedule(
                peak: options.learningRate, totalSteps: totalSteps, warmupProportion: options.warmupProportion),
            weightDecay: options.weightDecay, maxGradientNorm: options.maxGradientNorm)
        var random = SplitMix64(seed: options.seed)
        var step = 0, epochLoss: Float = 0
        for _ in 0..<options.epochs {
            let order = Self.shuffled(pairs.count, &random)
            epochLoss = 0
            let starts = Array(stride(from: 0, to: order.count, by: options.batchSize))
            for group in stride(from: 0, to: starts.count, by: accumulation) {
                let members = starts[group..<min(group + accumulation, starts.count)]
                graph.zeroGradients()
                var loss: Float = 0
                for start in members {
                    let batch = order[start..<min(start + options.batchSize, order.count)].map { pairs[$0] }
                    loss +=
                        try stepper.accumulate(
                            first: sequenceBatch(batch.map { sequences[$0.first] }),
                            second: sequenceBatch(batch.map { sequences[$0.second] }), labels: batch.map(\.label),
                            weight: 1 / Float(members.count)) / Float(members.count)
                }
                let report = stepper.applyAccumulated(loss: loss)
                step += 1
                epochLoss += report.loss
                progress(step, totalSteps, report.loss)
            }
            epochLoss /= Float(stepsPerEpoch)
        }

        let embeddings = try embed(sequences, graph: graph)
        let head = try LogisticRegression(c: options.headC).fit(
            embeddings: embeddings, labels: labels, classCount: classes.count)
        var accuracy: Double?
        if let evaluation {
            let predicted = try head.predict(
                try embed(try evaluation.texts.map { try tokenizer.ids($0) }, graph: graph))
            let correct = zip(predicted, evaluation.labels).filter { classes[$0] == $1 }.count
            accuracy = Double(correct) / Double(evaluation.labels.count)
        }
        try SetFitFolder.write(
            to: output, force: force, body: body, checkpoint: checkpoint, parameters: parameters, head: head,
            classes: classes)
        return Result(
            classes: classes, pairs: pairs.count, steps: totalSteps, finalLoss: epochLoss,
            evaluationAccuracy: accuracy, head: head)
    }

    /// Sentence embeddings from the trained graph, 32 at a time.
    func embed(_ sequences: [TokenizedSentence], graph: BERTTrainingGraph) throws -> [[Float]] {
        var rows: [[Float]] = []
        for start in stride(from: 0, to: sequences.count, by: 32) {
            let slice = Array(sequences[start..<min(start + 32, sequences.count)])
            rows += try graph.forward(sequenceBatch(slice)).embeddings
        }
        return rows
    }

    func sequenceBatch(_ sentences: [TokenizedSentence]) throws -> TokenBatch {
        let longest = sentences.map(\.ids.count).max() ?? 0
        var ids: [Int32] = [], types: [Int32] = [], mask: [Float] = []
        for sentence in sentences {
            let padding = longest - sentence.ids.count
            ids += sentence.ids + [Int32](repeating: 0, count: padding)
            types += sentence.typeIDs + [Int32](repeating: 0, count: padding)
            mask += sentence.mask + [Float](repeating: 0, count: padding)
        }
        return try TokenBatch(ids: ids, typeIDs: types, mask: mask, batch: sentences.count, sequence: longest)
    }

    /// A Fisher–Yates permutation of 0..<count.
    static func shuffled(_ count: Int, _ random: inout SplitMix64) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = Int(random.next() % UInt64(i + 1))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }
}
