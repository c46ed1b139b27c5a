import FuseCore

/// gliner's `create_projection_layer`: Linear → ReLU → (dropout) → Linear, keys `<name>.0.*` and `<name>.3.*`.
public struct ProjectionMLP: Sendable {
    public let first: Linear
    public let second: Linear

    public init(first: Linear, second: Linear) {
        self.first = first
        self.second = second
    }

    /// `[rows, in]` → `[rows, out]`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var hidden = try first(x)
        hidden.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, count: $0.count) }
        return try second(hidden)
    }
}

/// Span representation `markerV0` and the label head (gliner `SpanMarkerV0`, `prompt_rep_layer`): for a span
/// from word s to word e, `out_project(relu([project_start(w_s), project_end(w_e)]))`; its logit for a label is the
/// dot product with `prompt_rep_layer(label vector)`.
///
/// `out_project`'s first layer reads the concatenation, so it splits into a start half and an end half computed
/// once per word: a span then costs one vector sum before the second layer, which runs over all spans as one GEMM.
public struct SpanScorer: Sendable {
    public let projectStart: ProjectionMLP
    public let projectEnd: ProjectionMLP
    public let outProject: ProjectionMLP
    public let promptProject: ProjectionMLP
    public let maxWidth: Int
    /// `out_project.0`'s weight split by columns: the half that reads the start vector, the half that reads the end.
    let startHalf: Linear
    let endHalf: Linear

    public init(
        projectStart: ProjectionMLP, projectEnd: ProjectionMLP, outProject: ProjectionMLP,
        promptProject: ProjectionMLP, maxWidth: Int
    ) throws {
        self.projectStart = projectStart
        self.projectEnd = projectEnd
        self.outProject = outProject
        self.promptProject = promptProject
        self.maxWidth = maxWidth
        let halves = Self.splitColumns(outProject.first.weight, at: projectStart.second.outFeatures)
        startHalf = try Linear(weight: halves.left)
        endHalf = try Linear(weight: halves.right)
    }

    /// Number of spans of a `words`-word text: every start s and width k < maxWidth with s + k < words.
    public func spanCount(words: Int) -> Int {
        (0..<min(maxWidth, words)).reduce(0) { $0 + words - $1 }
    }

    /// Logits `[spans, labels]` for one text: `words` `[W, D]` (after the LSTM), `labels` `[C, D]` (label vectors
    /// before `prompt_rep_layer`). Spans are ordered by start, then width (gliner's `(s, k)` order, with the spans
    /// that would run past the text left out).
    public func logits(words: Tensor, labels: Tensor) throws -> Tensor {
        let count = words.shape[0]
        let inner = outProject.first.outFeatures
        var starts = try projectStart(words)
        var ends = try projectEnd(words)
        starts.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, count: $0.count) }
        ends.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, count: $0.count) }
        let startPart = try startHalf(starts)
        let endPart = try endHalf(ends)
        let spans = spanCount(words: count)
        var hidden = Tensor(zeros: [spans, inner])
        startPart.withUnsafeBufferPointer { a in
            endPart.withUnsafeBufferPointer { b in
                hidden.withUnsafeMutableBufferPointer { out in
                    let bias = outProject.first.bias?.scalars ?? [Float](repeating: 0, count: inner)
                    var row = 0
                    for s in 0..<count {
                        for k in 0..<maxWidth where s + k < count {
                            let line = out.baseAddress! + row * inner
                            let left = a.baseAddress! + s * inner
                            let right = b.baseAddress! + (s + k) * inner
                            for j in 0..<inner { line[j] = max(0, left[j] + right[j] + bias[j]) }
                            row += 1
                        }
                    }
                }
            }
        }
        let spanVectors = try outProject.second(hidden)
        let labelVectors = try promptProject(labels)
        return try spanVectors.matmul(labelVectors, transposeOther: true)
    }

    private static func splitColumns(_ weight: Tensor, at column: Int) -> (left: Tensor, right: Tensor) {
        let rows = weight.shape[0]
        let columns = weight.shape[1]
        func part(_ range: Range<Int>) -> Tensor {
            Tensor(shape: [rows, range.count]) { out in
                weight.withUnsafeBufferPointer { w in
                    for r in 0..<rows {
                        for (j, c) in range.enumerated() { out[r * range.count + j] = w[r * columns + c] }
                    }
                }
            }
        }
        return (part(0..<column), part(column..<columns))
    }
}
