import Foundation
import FuseCore

/// The readable summary of a job: each output with its inputs (modality, plugin, share of the result), the
/// cosine-similarity matrix of the outputs as an aligned table, for unfused groups which description each image or
/// audio output is nearest to (beside chance), and what was skipped.
public enum JobReport {
    /// Outputs listed one by one; longer runs list this many and say how many more there were.
    public static let listedOutputs = 20
    /// The similarity table is printed up to this many outputs (wider tables do not fit a terminal; a heat map
    /// draws more).
    public static let tableOutputs = 24

    /// The summary. `plotSetting` names, in the note on an omitted table, what draws the heat map (the CLI: `--plot`);
    /// `transcriber` names the speech model when sounds were embedded as the text of their transcripts.
    public static func text(
        _ summary: JobSummary, options: JobOptions, modelID: String,
        plotSetting: String = "a heat map", transcriber: String? = nil
    ) -> String {
        var lines: [String] = []
        let records = summary.records
        let fusion: String
        switch options.fusion {
        case .none: fusion = "none (each input embedded separately)"
        case .early: fusion = "early (one joint token sequence per group)"
        case .late: fusion = "late, strategy \(options.strategy.name)"
        }
        lines.append(
            "model \(modelID)" + (transcriber.map { " · sounds as text by \($0)" } ?? "") + " · fusion \(fusion)"
                + (options.shard.count > 1 ? " · shard \(options.shard.index)/\(options.shard.count)" : ""))
        for (index, record) in records.prefix(listedOutputs).enumerated() {
            lines.append("")
            lines.append(
                "[\(index + 1)] \(record.label)" + (record.fusion == .none ? "" : "  (fused: \(record.strategy ?? ""))")
            )
            let width = record.inputs.map { displayPath($0.path).count }.max() ?? 0
            let pluginWidth = record.inputs.map(\.pluginID.count).max() ?? 0
            for (input, weight) in zip(record.inputs, record.weights) {
                var line =
                    "    " + displayPath(input.path).padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  " + input.modality.name.padding(toLength: 6, withPad: " ", startingAt: 0)
                    + "  " + input.pluginID.padding(toLength: pluginWidth, withPad: " ", startingAt: 0)
                if record.fusion != .none { line += String(format: "  %@ %.3f", shareName(record), weight) }
                lines.append(line)
            }
            let head = record.embedding.vector.prefix(4).map { String(format: "%+.4f", $0) }.joined(separator: " ")
            lines.append(
                "    → \(record.fusion == .none ? "embedding" : "fused") dim \(record.embedding.dimension) [\(head) …]")
        }
        let total = summary.written
        if total > listedOutputs { lines.append("… and \(total - listedOutputs) more outputs") }
        if records.count >= 2, summary.complete, records.count <= tableOutputs,
            let matrix = try? similarity(summary)
        {
            lines.append("")
            lines.append("cosine similarity of the \(records.count) outputs:")
            lines.append(matrix.table())
        } else if records.count >= 2, Set(records.map(\.embedding.modelID)).count > 1 {
            lines.append("")
            lines.append("(no similarity table: outputs of different models live in different spaces)")
        } else if records.count >= 2 {
            lines.append("")
            lines.append(
                "(similarity table omitted for \(total) outputs; \(plotSetting) draws up to \(options.retainLimit))")
        }
        if summary.complete, let retrieval = DescriptionRetrieval(records: records) {
            lines.append("")
            lines.append(retrieval.table())
        }
        lines.append("")
        var tally = "\(total) output\(total == 1 ? "" : "s")"
        if let output = summary.output { tally += " written to \(output.path)" }
        if summary.resumed > 0 { tally += "; \(summary.resumed) already in the output (resumed)" }
        if !summary.failures.isEmpty { tally += "; \(summary.failures.count) skipped:" }
        lines.append(tally)
        for failure in summary.failures.prefix(50) { lines.append("  skipped \(failure)") }
        if summary.failures.count > 50 { lines.append("  … \(summary.failures.count - 50) more skipped") }
        return lines.joined(separator: "\n")
    }

    /// The similarity matrix of the kept outputs, labelled.
    public static func similarity(_ summary: JobSummary) throws -> SimilarityMatrix {
        try SimilarityMatrix(embeddings: summary.records.map(\.embedding), labels: summary.records.map(\.label))
    }

    private static func shareName(_ record: JobRecord) -> String {
        record.strategy == "max" ? "dims won" : "weight"
    }

    /// A path relative to the working directory when it lies below it.
    static func displayPath(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}
