import Foundation
import FuseCore

/// Resizes 8-bit RGB images with Pillow's `Image.resize` algorithm (`ImagingResample`): separable
/// convolution, horizontal pass first into an 8-bit intermediate, kernel support widened by the reduction
/// factor (antialiasing), 22-bit fixed-point weights and Pillow's rounding and clipping. For the same input
/// the output is meant to be bit-identical to Pillow's.
public enum PillowResampler {
    /// Resizes `image` to `width × height` and returns the region `columns × rows` of the result (the whole
    /// result by default). Computing only a crop gives the same pixels as resizing then cropping, at a
    /// fraction of the work.
    public static func resize(
        _ image: ImageBuffer, width: Int, height: Int, filter: ResampleFilter,
        columns: Range<Int>? = nil, rows: Range<Int>? = nil
    ) throws -> ImageBuffer {
        guard width > 0, height > 0 else {
            throw ImageError.invalidParameter(what: "resize", reason: "target size \(width)×\(height) must be positive")
        }
        let cols = columns ?? 0..<width
        let rowRange = rows ?? 0..<height
        guard cols.lowerBound >= 0, cols.upperBound <= width, !cols.isEmpty,
            rowRange.lowerBound >= 0, rowRange.upperBound <= height, !rowRange.isEmpty
        else {
            throw ImageError.invalidParameter(
                what: "resize", reason: "region \(cols) × \(rowRange) is empty or outside the \(width)×\(height) result"
            )
        }
        let needHorizontal = width != image.width
        let needVertical = height != image.height
        guard needHorizontal || needVertical else {
            return try ImageBuffer(
                width: cols.count, height: rowRange.count,
                pixels: crop(image.pixels, width: image.width, columns: cols, rows: rowRange))
        }
        // Pillow 13 runs the vertical pass first when the height shrinks by more than twice as many pixels as
        // the width; the order changes the 8-bit intermediate, so it is followed exactly.
        let shrinkY = image.height - height, shrinkX = image.width - width
        let horizontalFirst = !(shrinkY > 0 && shrinkY > shrinkX * 2)
        // Coefficients only for the rows and columns returned: the full target can be far larger than the region
        // (a 1×5000 image's CLIP resize is 224×1,120,000, of which the crop keeps 224 rows).
        let vertical =
            needVertical
            ? ResampleCoefficients(inSize: image.height, outSize: height, filter: filter, outputs: rowRange) : nil
        let horizontal =
            needHorizontal
            ? ResampleCoefficients(inSize: image.width, outSize: width, filter: filter, outputs: cols) : nil

        if horizontalFirst {
            // Source rows read by the vertical pass (the requested rows when there is none).
            let sourceRows = vertical.map { $0.span(of: rowRange) } ?? rowRange
            let stage =
                horizontal.map {
                    horizontalPass(
                        image.pixels, width: image.width, rows: sourceRows, coefficients: $0, columns: cols,
                        columnOffset: 0)
                } ?? crop(image.pixels, width: image.width, columns: cols, rows: sourceRows)
            let pixels =
                vertical.map {
                    verticalPass(
                        stage, rowLength: cols.count * 3, coefficients: $0, rows: rowRange,
                        rowOffset: sourceRows.lowerBound)
                } ?? stage
            return try ImageBuffer(width: cols.count, height: rowRange.count, pixels: pixels)
        }
        // Vertical first (needVertical is true here): only the source columns the horizontal pass reads.
        let sourceColumns = horizontal.map { $0.span(of: cols) } ?? cols
        let columnStage = crop(image.pixels, width: image.width, columns: sourceColumns, rows: 0..<image.height)
        let stage = verticalPass(
            columnStage, rowLength: sourceColumns.count * 3, coefficients: vertical!,
            rows: rowRange, rowOffset: 0)
        let pixels =
            horizontal.map {
                horizontalPass(
                    stage, width: sourceColumns.count, rows: 0..<rowRange.count, coefficients: $0,
                    columns: cols, columnOffset: sourceColumns.lowerBound)
            } ?? stage
        return try ImageBuffer(width: cols.count, height: rowRange.count, pixels: pixels)
    }

    /// Pillow's `clip8`: drop the fraction bits, clamp to a byte.
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let value = sum >> ResampleCoefficients.precisionBits
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(truncatingIfNeeded: value)
    }

    /// Splits `count` rows over the cores (`Kernels.parallelChunks`) when each chunk holds at least 100 000
    /// multiply-adds, so the threads pay for themselves.
    static func parallelChunks(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        Kernels.parallelChunks(count: count, work: work, minimumWork: 100_000, body)
    }

    /// Copies a `columns × rows` window out of an interleaved RGB buffer `width` pixels wide.
    private static func crop(_ pixels: [UInt8], width: Int, columns: Range<Int>, rows: Range<Int>) -> [UInt8] {
        let rowLength = columns.count * 3
        if columns.count == width && rows.lowerBound == 0 && rows.count * width * 3 == pixels.count { return pixels }
        return [UInt8](unsafeUninitializedCapacity: rows.count * rowLength) { out, initialized in
            pixels.withUnsafeBufferPointer { src in
                for (i, y) in rows.enumerated() {
                    let from = src.baseAddress! + (y * width + columns.lowerBound) * 3
                    (out.baseAddress! + i * rowLength).initialize(from: from, count: rowLength)
                }
            }
            initialized = rows.count * rowLength
        }
    }

    /// Horizontal pass over `rows` of a `width`-pixel RGB buffer whose first column is source column
    /// `columnOffset`, producing output `columns`.
    private static func horizontalPass(
        _ pixels: [UInt8], width: Int, rows sourceRows: Range<Int>,
        coefficients c: ResampleCoefficients, columns: Range<Int>,
        columnOffset: Int
    ) -> [UInt8] {
        let outRow = columns.count * 3
        let total = sourceRows.count * outRow
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            let dst = out.baseAddress!
            pixels.withUnsafeBufferPointer { srcBuffer in
                c.weights.withUnsafeBufferPointer { weights in
                    c.first.withUnsafeBufferPointer { first in
                        c.count.withUnsafeBufferPointer { counts in
                            let src = srcBuffer.baseAddress!
                            let work = total * c.kernelSize
                            parallelChunks(sourceRows.count, work: work) { chunk in
                                for r in chunk {
                                    let line = src + (sourceRows.lowerBound + r) * width * 3
                                    let target = dst + r * outRow
                                    for j in 0..<columns.count {
                                        let x = columns.lowerBound + j - c.outputs.lowerBound
                                        let k = weights.baseAddress! + x * c.kernelSize
                                        var p = line + (first[x] - columnOffset) * 3
                                        var s0 = half, s1 = half, s2 = half
                                        for t in 0..<counts[x] {
                                            let w = k[t]
                                            s0 &+= Int32(p[0]) &* w
                                            s1 &+= Int32(p[1]) &* w
                                            s2 &+= Int32(p[2]) &* w
                                            p += 3
                                        }
                                        target[j * 3] = clip8(s0)
                                        target[j * 3 + 1] = clip8(s1)
                                        target[j * 3 + 2] = clip8(s2)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            initialized = total
        }
    }

    /// Vertical pass over rows of `rowLength` bytes; taps outer, bytes inner, so the inner loop vectorizes.
    private static func verticalPass(
        _ stage: [UInt8], rowLength: Int, coefficients c: ResampleCoefficients,
        rows: Range<Int>, rowOffset: Int
    ) -> [UInt8] {
        let total = rows.count * rowLength
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            let dst = out.baseAddress!
            stage.withUnsafeBufferPointer { srcBuffer in
                c.weights.withUnsafeBufferPointer { weights in
                    let src = srcBuffer.baseAddress!
                    parallelChunks(rows.count, work: total * c.kernelSize) { chunk in
                        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: rowLength)
                        defer { sums.deallocate() }
                        for i in chunk {
                            let y = rows.lowerBound + i - c.outputs.lowerBound
                            let k = weights.baseAddress! + y * c.kernelSize
                            sums.initialize(repeating: half, count: rowLength)
                            let start = c.first[y] - rowOffset
                            for t in 0..<c.count[y] {
                                let w = k[t]
                                let line = src + (start + t) * rowLength
                                for x in 0..<rowLength { sums[x] &+= Int32(line[x]) &* w }
                            }
                            let target = dst + i * rowLength
                            for x in 0..<rowLength { target[x] = clip8(sums[x]) }
                        }
                    }
                }
            }
            initialized = total
        }
    }
}
