import Foundation
import FuseCore

/// Cosine similarities between every pair of embeddings, with labels, printable as an aligned table and
/// drawable as a heat-map PNG.
public struct SimilarityMatrix: Sendable {
    public let labels: [String]
    /// Row-major `n × n` cosine similarities.
    public let values: [Float]

    public init(embeddings: [Embedding], labels: [String]) throws {
        guard embeddings.count == labels.count else {
            throw FuseError.shapeMismatch(
                what: "similarity labels", expected: [embeddings.count], actual: [labels.count])
        }
        let models = Array(Set(embeddings.map(\.modelID))).sorted()
        guard models.count <= 1 else {
            throw FuseError.invalidArgument(
                what: "similarity matrix",
                reason: "outputs of different models (\(models.joined(separator: ", "))) live in different spaces")
        }
        let n = embeddings.count
        var values = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let s = try embeddings[i].cosineSimilarity(to: embeddings[j])
                values[i * n + j] = s
                values[j * n + i] = s
            }
        }
        self.labels = labels
        self.values = values
    }

    public var count: Int { labels.count }

    public subscript(row: Int, column: Int) -> Float { values[row * count + column] }

    /// The index of the most similar other entry for each row (nil for a 1 × 1 matrix).
    public func nearestNeighbours() -> [Int?] {
        (0..<count).map { row in
            (0..<count).filter { $0 != row }.max { self[row, $0] < self[row, $1] }
        }
    }

    /// An aligned text table: a numbered row per entry, a numbered column per entry, values to 3 decimals.
    public func table(maxLabelWidth: Int = 40) -> String {
        let names = labels.map { $0.count > maxLabelWidth ? "…" + $0.suffix(maxLabelWidth - 1) : $0 }
        let indexWidth = String(count).count
        let labelWidth = max(names.map(\.count).max() ?? 0, 1)
        let cellWidth = max(6, indexWidth + 1)
        func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - s.count))
            return left ? s + padding : padding + s
        }
        var lines: [String] = []
        var header = pad("", indexWidth + 2 + labelWidth, left: true)
        for column in 0..<count { header += " " + pad("[\(column + 1)]", cellWidth) }
        lines.append(header)
        for row in 0..<count {
            var line = pad("[\(row + 1)]", indexWidth + 2, left: true) + pad(names[row], labelWidth, left: true)
            for column in 0..<count { line += " " + pad(String(format: "%.3f", self[row, column]), cellWidth) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Writes the matrix as a labelled heat-map PNG (rows labelled with names, columns with numbers, each cell
    /// with its value, a colour scale from the smallest value (or 0) to 1).
    public func writeHeatmap(to url: URL, overwrite: Bool) throws {
        try OutputFile.commit(writeHeatmapStaged(for: url, overwrite: overwrite), to: url)
    }

    /// Writes the heat map to a temporary file beside `url` and returns it (commit it with `OutputFile.commit`).
    public func writeHeatmapStaged(for url: URL, overwrite: Bool) throws -> URL {
        let font = BitmapFont.shared
        let names = labels.enumerated().map {
            "[\($0.offset + 1)] " + ($0.element.count > 36 ? "…" + $0.element.suffix(35) : $0.element)
        }
        let cell = 44, margin = 10
        let labelWidth = (names.map(\.count).max() ?? 0) * font.width + margin
        let legendWidth = 70
        let top = margin + font.height + 6
        let width = margin + labelWidth + count * cell + margin + legendWidth
        let height = max(top + count * cell + margin, top + 120)
        var canvas = RGBCanvas(width: width, height: height)
        let low = min(0, values.min() ?? 0), high: Float = 1
        let originX = margin + labelWidth
        for column in 0..<count {
            let text = "[\(column + 1)]"
            canvas.text(text, x: originX + column * cell + (cell - text.count * font.width) / 2, y: margin)
        }
        for row in 0..<count {
            canvas.text(names[row], x: margin, y: top + row * cell + (cell - font.height) / 2)
            for column in 0..<count {
                let value = self[row, column]
                let color = Self.colormap((value - low) / (high - low))
                canvas.fill(
                    x: originX + column * cell, y: top + row * cell, width: cell - 1, height: cell - 1,
                    color: color)
                let luminance = 0.299 * Float(color.0) + 0.587 * Float(color.1) + 0.114 * Float(color.2)
                let ink: (UInt8, UInt8, UInt8) = luminance > 140 ? (0, 0, 0) : (255, 255, 255)
                let text = String(format: "%.2f", value)
                canvas.text(
                    text, x: originX + column * cell + (cell - text.count * font.width) / 2,
                    y: top + row * cell + (cell - font.height) / 2, color: ink)
            }
        }
        // Colour scale: top is 1, bottom is `low`.
        let legendX = originX + count * cell + margin, legendHeight = max(count * cell, 100)
        for y in 0..<legendHeight {
            let t = 1 - Float(y) / Float(legendHeight - 1)
            canvas.fill(x: legendX, y: top + y, width: 16, height: 1, color: Self.colormap(t))
        }
        canvas.text(String(format: "%.2f", high), x: legendX + 20, y: top)
        canvas.text(String(format: "%.2f", low), x: legendX + 20, y: top + legendHeight - font.height)
        return try PNGWriter.writeRGBStaged(
            canvas.pixels, width: width, height: height, for: url,
            overwrite: overwrite)
    }

    /// A perceptually ordered dark-blue → green → yellow scale (viridis anchor colours), `t` in 0…1.
    static func colormap(_ t: Float) -> (UInt8, UInt8, UInt8) {
        let anchors: [(Float, Float, Float)] = [
            (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
        ]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Float(anchors.count - 1)
        let i = min(Int(x), anchors.count - 2)
        let f = x - Float(i)
        let a = anchors[i], b = anchors[i + 1]
        return (UInt8(a.0 + (b.0 - a.0) * f), UInt8(a.1 + (b.1 - a.1) * f), UInt8(a.2 + (b.2 - a.2) * f))
    }
}
