import Foundation
import ImagePatch
import Testing

/// A Pillow `Image.resize((width, height), resample=filter)` of a decoded fixture.
struct ResizeCase: Decodable, CustomStringConvertible, Sendable {
    let source: String
    let width: Int
    let height: Int
    let filter: String
    let expected: String
    var description: String { "\(source) → \(width)×\(height) \(filter)" }
}

/// Counts identical bytes and the largest absolute difference between two pixel buffers.
func pixelAgreement(_ a: [UInt8], _ b: [UInt8]) -> (identical: Double, maxDiff: Int) {
    precondition(a.count == b.count)
    var same = 0, worst = 0
    for i in a.indices {
        let d = abs(Int(a[i]) - Int(b[i]))
        if d == 0 { same += 1 }
        worst = max(worst, d)
    }
    return (Double(same) / Double(max(a.count, 1)), worst)
}

@Suite("Resampling matches Pillow's Image.resize")
struct ResamplerParityTests {
    static let cases: [ResizeCase] = (try? FixtureFiles.json("resize.json", as: [ResizeCase].self)) ?? []

    @Test("fixture index is present") func fixturesExist() { #expect(Self.cases.count >= 10) }

    /// Reference: Pillow 13 `Image.resize` (ImagingResample). Tolerance (issue 4): ≥ 99 % of bytes identical and
    /// none off by more than 1.
    @Test("resized pixels agree with Pillow", arguments: cases)
    func resizesLikePillow(_ fixture: ResizeCase) throws {
        let decoder = ImageDecoder()
        let source = try decoder.decode(contentsOf: FixtureFiles.url("decode/" + fixture.source))
        let expected = try decoder.decode(contentsOf: FixtureFiles.url("resize/" + fixture.expected))
        let filter = try #require(ResampleFilter(name: fixture.filter))
        let resized = try PillowResampler.resize(source, width: fixture.width, height: fixture.height, filter: filter)
        #expect(resized.width == expected.width && resized.height == expected.height)
        let agreement = pixelAgreement(resized.pixels, expected.pixels)
        #expect(agreement.identical >= 0.99, "identical \(agreement.identical)")
        #expect(agreement.maxDiff <= 1, "max difference \(agreement.maxDiff)")
    }

    /// A crop of the resized image must equal the same region of the full resize (the preprocessor relies on it).
    /// Both pass orders: 224×348 runs horizontal first, 300×150 vertical first.
    @Test("resizing a region equals cropping the full resize", arguments: [(224, 348), (300, 150)])
    func regionMatchesCrop(size: (width: Int, height: Int)) throws {
        let source = try ImageDecoder().decode(contentsOf: FixtureFiles.url("decode/coffee_333x517.jpg"))
        let full = try PillowResampler.resize(source, width: size.width, height: size.height, filter: .bicubic)
        let columns = 10..<200, rows = 62..<140
        let region = try PillowResampler.resize(
            source, width: size.width, height: size.height, filter: .bicubic,
            columns: columns, rows: rows)
        var cropped: [UInt8] = []
        for y in rows {
            cropped +=
                full.pixels[(y * size.width + columns.lowerBound) * 3..<(y * size.width + columns.upperBound) * 3]
        }
        #expect(region.pixels == cropped)
    }

    @Test("a zero target size is rejected")
    func rejectsZeroSize() throws {
        let image = try ImageBuffer(width: 2, height: 2, pixels: [UInt8](repeating: 9, count: 12))
        #expect(throws: ImageError.self) { try PillowResampler.resize(image, width: 0, height: 3, filter: .bilinear) }
    }
}
