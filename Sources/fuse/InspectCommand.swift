import ArgumentParser
import Foundation
import Fuse

/// `fuse inspect PATH`: what a safetensors file or a Hugging Face model folder holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a safetensors file's or model folder's config summary, tensors, parameters and shards.")

    @Argument(help: "A .safetensors file, a model.safetensors.index.json, or a model folder.")
    var path: String

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    func run() throws {
        let inspection: CheckpointInspection
        do {
            inspection = try CheckpointInspection(url: URL(fileURLWithPath: path))
        } catch {
            FileHandle.standardError.write(Data("fuse inspect: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(inspection), as: UTF8.self))
        } else {
            print(Self.report(inspection), terminator: "")
        }
    }

    static func report(_ inspection: CheckpointInspection) -> String {
        var lines = ["\(inspection.path) (\(inspection.kind))"]
        if let config = inspection.config {
            lines.append("config.json: " + describe(config))
            for (key, sub) in (config.subConfigs ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append("  \(key): " + describe(sub))
            }
        } else if inspection.kind == "folder" {
            lines.append("config.json: none")
        }
        let size =
            inspection.totalBytes >= 1_048_576
            ? String(format: "%.1f MiB", Double(inspection.totalBytes) / 1_048_576)
            : String(format: "%.1f KiB", Double(inspection.totalBytes) / 1024)
        lines.append(
            "weights: \(inspection.shards.joined(separator: ", ")) — \(inspection.shards.count) file(s), "
                + "\(size) of tensor data")
        if !inspection.metadata.isEmpty {
            lines.append(
                "metadata: "
                    + inspection.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    .joined(separator: ", "))
        }
        let buffers =
            inspection.bufferElements > 0
            ? " (+\(grouped(inspection.bufferElements)) elements in integer buffers)" : ""
        lines.append(
            "tensors: \(inspection.tensors.count), parameters: \(grouped(inspection.totalParameters))\(buffers)")
        let nameWidth = min(inspection.tensors.map(\.name.count).max() ?? 0, 72)
        let multipleShards = inspection.shards.count > 1
        for tensor in inspection.tensors {
            let padded = tensor.name.padding(toLength: max(nameWidth, tensor.name.count), withPad: " ", startingAt: 0)
            let dtype = tensor.dtype.padding(toLength: 5, withPad: " ", startingAt: 0)
            lines.append("  \(padded)  \(dtype) \(tensor.shape)" + (multipleShards ? "  (\(tensor.file))" : ""))
        }
        if !inspection.otherFiles.isEmpty {
            lines.append("other files: " + inspection.otherFiles.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func describe(_ config: CheckpointInspection.ConfigSummary) -> String {
        var parts: [String] = []
        let architectures =
            (config.architectures ?? []).isEmpty
            ? "" : " (\(config.architectures!.joined(separator: ", ")))"
        if let value = config.modelType { parts.append("model_type \(value)\(architectures)") }
        if let value = config.hiddenSize { parts.append("hidden \(value)") }
        if let value = config.layers { parts.append("layers \(value)") }
        if let value = config.attentionHeads { parts.append("heads \(value)") }
        if let value = config.keyValueHeads { parts.append("kv heads \(value)") }
        if let value = config.intermediateSize { parts.append("intermediate \(value)") }
        if let value = config.vocabSize { parts.append("vocab \(value)") }
        if let value = config.maxPositions { parts.append("positions \(value)") }
        if let value = config.activation { parts.append("act \(value)") }
        return parts.isEmpty ? "(no recognised fields)" : parts.joined(separator: ", ")
    }

    private static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
