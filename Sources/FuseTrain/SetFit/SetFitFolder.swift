import Foundation
import FuseCore

/// The on-disk SetFit model: the fine-tuned body as a sentence-transformers folder (its `model.safetensors`, config,
/// tokenizer and module folders — what `fuse embed` loads), plus
/// - `config_setfit.json`: `{"labels": [names in class order], "normalize_embeddings": false}` (SetFit's file),
/// - `model_head.safetensors`: `coef` `[rows, D]` and `intercept` `[rows]` (sklearn's `coef_`, `intercept_`),
/// - `model_head.json`: `{"classes": [labels as in the training file: strings or integers]}` (sklearn's `classes_`).
///
/// Writing is a transaction: everything goes into a hidden temporary folder beside the destination, which is
/// renamed into place only when complete; an existing destination is replaced only with `force`.
public enum SetFitFolder {
    public static let configFile = "config_setfit.json"
    public static let headWeightsFile = "model_head.safetensors"
    public static let headClassesFile = "model_head.json"

    struct SetFitConfig: Codable {
        var labels: [String]?
        var normalize_embeddings: Bool
    }

    struct HeadClasses: Codable {
        var classes: [ClassLabel]
    }

    /// Throws `SetFitError.outputExists` when `url` exists and `force` is false (checked before training starts,
    /// and again when writing).
    public static func checkWritable(_ url: URL, force: Bool) throws {
        if !force, FileManager.default.fileExists(atPath: url.path) {
            throw SetFitError.outputExists(path: url.path)
        }
    }

    /// Writes a model: `body` is the folder training started from (its files are copied, `model.safetensors`
    /// replaced by `checkpoint` with the trained tensors of `parameters` swapped in).
    static func write(
        to url: URL, force: Bool, body: URL, checkpoint: SafetensorsCheckpoint, parameters: BERTParameters,
        head: LogisticRegressionHead, classes: [ClassLabel]
    ) throws {
        try checkWritable(url, force: force)
        let manager = FileManager.default
        let parent = url.deletingLastPathComponent()
        try manager.createDirectory(at: parent, withIntermediateDirectories: true)
        let temporary = parent.appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
        var committed = false
        defer { if !committed { try? manager.removeItem(at: temporary) } }

        let skipped: Set<String> = [
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "README.md", configFile,
            headWeightsFile, headClassesFile, "model_head.pkl",
        ]
        for item in try manager.contentsOfDirectory(atPath: body.path) where !skipped.contains(item) {
            if item.hasPrefix(".") || (item.hasPrefix("model-") && item.hasSuffix(".safetensors")) { continue }
            try manager.copyItem(
                at: body.appendingPathComponent(item).resolvingSymlinksInPath(),
                to: temporary.appendingPathComponent(item))
        }
        try writeBody(
            checkpoint: checkpoint, parameters: parameters, to: temporary.appendingPathComponent("model.safetensors"))
        let coefficients = head.coefficients.flatMap { $0.map(Float.init) }
        try SafetensorsWriter.write(
            [
                ("coef", .float32(try Tensor(shape: [head.coefficients.count, head.dimension], values: coefficients))),
                (
                    "intercept",
                    .float32(try Tensor(shape: [head.intercepts.count], values: head.intercepts.map(Float.init)))
                ),
            ], metadata: ["format": "pt"], to: temporary.appendingPathComponent(headWeightsFile))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(SetFitConfig(labels: classes.map(\.description), normalize_embeddings: false))
            .write(to: temporary.appendingPathComponent(configFile))
        try encoder.encode(HeadClasses(classes: classes)).write(to: temporary.appendingPathComponent(headClassesFile))

        if manager.fileExists(atPath: url.path) {
            guard force else { throw SetFitError.outputExists(path: url.path) }
            let old = parent.appendingPathComponent(".\(url.lastPathComponent).old-\(UUID().uuidString)")
            try manager.moveItem(at: url, to: old)
            try manager.moveItem(at: temporary, to: url)
            try? manager.removeItem(at: old)
        } else {
            try manager.moveItem(at: temporary, to: url)
        }
        committed = true
    }

    /// Every tensor of the original checkpoint, in its order and under its name, with the trained values.
    static func writeBody(checkpoint: SafetensorsCheckpoint, parameters: BERTParameters, to url: URL) throws {
        let prefix = BERTParameters.prefix(in: checkpoint)
        var tensors: [(name: String, payload: SafetensorsWriter.Payload)] = []
        for name in checkpoint.names {
            let local = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
            if let slot = parameters.slot(local) {
                tensors.append((name, .float32(try Tensor(shape: slot.shape, values: parameters.values(local)))))
            } else if checkpoint.info(name)?.dtype.isFloatingPoint == true {
                tensors.append((name, .float32(try checkpoint.tensor(name))))
            } else {
                tensors.append((name, .int64(try checkpoint.integers(name), shape: checkpoint.info(name)?.shape ?? [])))
            }
        }
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
    }

    /// Reads the head and its classes from a SetFit folder. Throws `SetFitError.invalidModelFolder` naming the
    /// folder and the missing or malformed file.
    public static func readHead(_ url: URL) throws -> (head: LogisticRegressionHead, classes: [ClassLabel]) {
        let weightsURL = url.appendingPathComponent(headWeightsFile),
            classesURL = url.appendingPathComponent(headClassesFile)
        for file in [weightsURL, classesURL, url.appendingPathComponent(configFile)]
        where !FileManager.default.fileExists(atPath: file.path) {
            throw SetFitError.invalidModelFolder(
                path: url.path,
                reason:
                    "\(file.lastPathComponent) is missing (convert a Python SetFit checkpoint with tools/convert_setfit_head.py)"
            )
        }
        let classes: [ClassLabel]
        do {
            classes = try JSONDecoder().decode(HeadClasses.self, from: Data(contentsOf: classesURL)).classes
        } catch {
            throw SetFitError.invalidModelFolder(path: url.path, reason: "\(headClassesFile) has no \"classes\" list")
        }
        let weights = try SafetensorsFile(url: weightsURL)
        guard weights.info("coef") != nil, weights.info("intercept") != nil else {
            throw SetFitError.invalidModelFolder(
                path: url.path, reason: "\(headWeightsFile) needs tensors coef and intercept")
        }
        let coef = try weights.tensor("coef"), intercept = try weights.tensor("intercept")
        guard coef.rank == 2 else {
            throw SetFitError.invalidModelFolder(
                path: url.path, reason: "coef has shape \(coef.shape), expected [rows, D]")
        }
        let width = coef.shape[1], values = coef.scalars.map(Double.init)
        let rows = (0..<coef.shape[0]).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
        do {
            let head = try LogisticRegressionHead(
                coefficients: rows, intercepts: intercept.scalars.map(Double.init), classCount: classes.count)
            return (head, classes)
        } catch let error as SetFitError {
            throw SetFitError.invalidModelFolder(path: url.path, reason: error.description)
        }
    }
}
