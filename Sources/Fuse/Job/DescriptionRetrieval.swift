import Foundation
import FuseCore

/// Cross-modal retrieval over an unfused run of groups (a manifest such as `samples/manifest.jsonl`): for every
/// non-text output, the text outputs ("descriptions") ranked by cosine similarity, whether the nearest one is from
/// its own group, and what picking a description at random would score. This is how the main job shows that images
/// and audio land next to their own descriptions in the shared space, and by how much more often than chance.
public struct DescriptionRetrieval: Sendable, Equatable {
    /// One non-text output and the description it is nearest to.
    public struct Match: Sendable, Equatable {
        public let label: String
        public let group: String
        /// The nearest description's label and cosine similarity.
        public let nearest: String
        public let similarity: Float
        /// 1-based rank of the best-ranked description from the output's own group.
        public let ownRank: Int
        /// The number of descriptions ranked.
        public let candidates: Int
        /// The number of those that belong to the output's own group.
        public let ownCandidates: Int

        public var isHit: Bool { ownRank == 1 }
    }

    public let matches: [Match]

    /// How many outputs are nearest to a description of their own group.
    public var hits: Int { matches.filter(\.isHit).count }

    /// The expected number of hits when each output picks a description uniformly at random (Σ own / candidates).
    public var chanceHits: Double {
        matches.reduce(0) { $0 + Double($1.ownCandidates) / Double($1.candidates) }
    }

    /// Mean rank of the own description; at random it would be `chanceMeanRank`.
    public var meanOwnRank: Double {
        matches.isEmpty ? 0 : Double(matches.reduce(0) { $0 + $1.ownRank }) / Double(matches.count)
    }

    /// The expected rank of the best own description under a random order: (T + 1) / (k + 1) for k own among T.
    public var chanceMeanRank: Double {
        matches.isEmpty
            ? 0
            : matches.reduce(0) {
                $0 + Double($1.candidates + 1) / Double($1.ownCandidates + 1)
            } / Double(matches.count)
    }

    /// Nil unless the records are unfused, carry groups, and at least two groups hold a description and at least
    /// one non-text output shares a group with one (otherwise there is nothing to retrieve among).
    public init?(records: [JobRecord]) {
        guard records.allSatisfy({ $0.fusion == .none && $0.group != nil }) else { return nil }
        let texts = records.filter { $0.inputs.first?.modality == .text }
        let describedGroups = Set(texts.compactMap(\.group))
        guard describedGroups.count >= 2 else { return nil }
        var matches: [Match] = []
        for record in records where record.inputs.first?.modality != .text {
            guard let group = record.group, describedGroups.contains(group) else { continue }
            // A description of another model (another space, `--model-for`) is no candidate.
            let scored = texts.filter { $0.embedding.modelID == record.embedding.modelID }.compactMap { text in
                (try? record.embedding.cosineSimilarity(to: text.embedding)).map { (text: text, score: $0) }
            }.sorted { $0.score > $1.score }
            guard let best = scored.first,
                let ownIndex = scored.firstIndex(where: { $0.text.group == group })
            else { continue }
            matches.append(
                Match(
                    label: record.label, group: group, nearest: best.text.label, similarity: best.score,
                    ownRank: ownIndex + 1, candidates: scored.count,
                    ownCandidates: scored.filter { $0.text.group == group }.count))
        }
        guard !matches.isEmpty else { return nil }
        self.matches = matches
    }

    /// The readable table: one line per output, then the tally beside chance.
    public func table() -> String {
        let labelWidth = matches.map(\.label.count).max() ?? 0
        let nearestWidth = matches.map(\.nearest.count).max() ?? 0
        var lines = ["nearest description of each image/audio output (its own group's description ranked):"]
        for match in matches {
            lines.append(
                "  " + match.label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " → "
                    + match.nearest.padding(toLength: nearestWidth, withPad: " ", startingAt: 0)
                    + String(format: " %.3f  ", match.similarity)
                    + (match.isHit ? "own ✓" : "own ranks \(match.ownRank) of \(match.candidates)"))
        }
        lines.append(
            String(
                format: "own description nearest for %d of %d (chance: %.1f, so %.1f× chance); "
                    + "mean rank of the own description %.2f (chance: %.2f)", hits, matches.count, chanceHits,
                chanceHits > 0 ? Double(hits) / chanceHits : 0, meanOwnRank, chanceMeanRank))
        return lines.joined(separator: "\n")
    }
}
