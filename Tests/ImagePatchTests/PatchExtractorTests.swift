import Foundation
import ImagePatch
import Testing

struct PatchFixture: Decodable {
    let input: [Int]
    let patchSize: Int
    let outChannels: Int
    let grid: [Int]
}

/// Multiplies `[N, K]` patches by a `[D, K]` weight (transposed), in Double to keep the check about layout.
func projectPatches(_ patches: [Float], rows: Int, weight: [Float], outChannels: Int) -> [Float] {
    let k = weight.count / outChannels
    var out = [Float](repeating: 0, count: rows * outChannels)
    for n in 0..<rows {
        for d in 0..<outChannels {
            var sum = 0.0
            for i in 0..<k { sum += Double(patches[n * k + i]) * Double(weight[d * k + i]) }
            out[n * outChannels + d] = Float(sum)
        }
    }
    return out
}

@Suite("Patch extraction matches a strided Conv2d / Conv3d weight layout")
struct PatchExtractorTests {
    /// Reference: torch `Conv2d(3, 8, 16, stride=16)` on a [3, 32, 48] input; the patches times the reshaped
    /// weight must reproduce its output (tolerance 1e-4, float32 accumulation order differs).
    @Test("patches · Conv2d weightᵀ equals the convolution")
    func conv2dLayout() throws {
        let meta = try FixtureFiles.json("patches.json", as: PatchFixture.self)
        let input = try Tensor(shape: meta.input, values: try FixtureFiles.floats("patches/input.f32"))
        let patches = try PatchExtractor.patches(input, patchSize: meta.patchSize)
        #expect(patches.shape == [meta.grid[0] * meta.grid[1], 3 * meta.patchSize * meta.patchSize])
        #expect(PatchExtractor.grid(height: 32, width: 48, patchSize: meta.patchSize) == meta.grid)
        let out = projectPatches(
            patches.scalars, rows: patches.shape[0],
            weight: try FixtureFiles.floats("patches/conv2d_weight.f32"), outChannels: meta.outChannels)
        let expected = try FixtureFiles.floats("patches/conv2d_out.f32")
        let worst = zip(out, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(out.count == expected.count)
        #expect(worst < 1e-4, "max abs error \(worst)")
    }

    /// Reference: torch `Conv3d(3, 8, (2, 16, 16), stride=(2, 16, 16))` on the image repeated into 2 frames
    /// (ImageBind's PadIm2Video); tolerance 1e-4.
    @Test("temporal patches · Conv3d weightᵀ equals ImageBind's 2-frame convolution")
    func conv3dLayout() throws {
        let meta = try FixtureFiles.json("patches.json", as: PatchFixture.self)
        let input = try Tensor(shape: meta.input, values: try FixtureFiles.floats("patches/input.f32"))
        let patches = try PatchExtractor.temporalPatches(input, patchSize: meta.patchSize, frames: 2)
        #expect(patches.shape == [6, 3 * 2 * meta.patchSize * meta.patchSize])
        let out = projectPatches(
            patches.scalars, rows: patches.shape[0],
            weight: try FixtureFiles.floats("patches/conv3d_weight.f32"), outChannels: meta.outChannels)
        let expected = try FixtureFiles.floats("patches/conv3d_out.f32")
        let worst = zip(out, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max abs error \(worst)")
    }

    @Test("a patch row holds channel-major, then row, then column pixels")
    func explicitOrder() throws {
        // [2, 2, 4]: value = c * 100 + y * 10 + x; patch 2 → grid 1 × 2.
        var values: [Float] = []
        for c in 0..<2 { for y in 0..<2 { for x in 0..<4 { values.append(Float(c * 100 + y * 10 + x)) } } }
        let patches = try PatchExtractor.patches(try Tensor(shape: [2, 2, 4], values: values), patchSize: 2)
        #expect(patches.shape == [2, 8])
        #expect(patches.scalars == [0, 1, 10, 11, 100, 101, 110, 111, 2, 3, 12, 13, 102, 103, 112, 113])
    }

    @Test("an image smaller than one patch, or a non-[C, H, W] tensor, is rejected")
    func rejectsBadShapes() throws {
        #expect(throws: FuseError.self) { try PatchExtractor.patches(Tensor(zeros: [3, 8, 8]), patchSize: 16) }
        #expect(throws: FuseError.self) { try PatchExtractor.patches(Tensor(zeros: [3, 64]), patchSize: 16) }
        #expect(throws: FuseError.self) { try PatchExtractor.patches(Tensor(zeros: [3, 32, 32]), patchSize: 0) }
    }
}
