/// Suggestions for a tensor name that is not in a checkpoint: the usual slips are a missing or extra model prefix
/// (`bert.`, `model.`), a wrong layer number, or `weight` vs `bias`.
enum NearMisses {
    /// Up to `limit` names from `candidates` closest to `name`, best first.
    static func names(similarTo name: String, among candidates: [String], limit: Int = 5) -> [String] {
        let target = Array(name.utf8)
        var scored: [(score: Int, name: String)] = []
        for candidate in candidates {
            // A candidate that equals the request up to a dotted prefix is the likeliest intent.
            if candidate.hasSuffix("." + name) || name.hasSuffix("." + candidate) {
                scored.append((0, candidate))
                continue
            }
            let distance = editDistance(target, Array(candidate.utf8))
            if distance <= max(3, target.count / 4) { scored.append((distance, candidate)) }
        }
        return scored.sorted { ($0.score, $0.name) < ($1.score, $1.name) }.prefix(limit).map(\.name)
    }

    /// Levenshtein distance over bytes, two rows of memory.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
