import Foundation
import ImagePatch
import Testing

/// One decoded file and Pillow's `Image.open(p).convert("RGB")` of it (tools/reference/image_fixtures.py).
struct DecodeCase: Decodable, CustomStringConvertible, Sendable {
    let file: String
    let pillowMode: String
    let width: Int
    let height: Int
    let fnv64: String
    let mean: [Double]
    var description: String { "\(file) (\(pillowMode))" }
}

@Suite("Image decoding matches Pillow's convert(\"RGB\") exactly")
struct DecoderParityTests {
    static let cases: [DecodeCase] = (try? FixtureFiles.json("decode.json", as: [DecodeCase].self)) ?? []

    @Test("fixture index is present") func fixturesExist() {
        #expect(Self.cases.count > 50)
    }

    /// Reference: Pillow 13 (bundled libjpeg-turbo 3, zlib); tolerance: bit-identical pixels (FNV-1a 64 of the
    /// RGB bytes), with the per-channel means as a readable diagnostic when they differ.
    @Test("decoded RGB is bit-identical to Pillow", arguments: cases)
    func decodesLikePillow(_ fixture: DecodeCase) throws {
        let image = try ImageDecoder().decode(contentsOf: FixtureFiles.url("decode/" + fixture.file))
        #expect(image.width == fixture.width)
        #expect(image.height == fixture.height)
        var sums = [0.0, 0.0, 0.0]
        for (i, value) in image.pixels.enumerated() { sums[i % 3] += Double(value) }
        let means = sums.map { $0 / Double(image.width * image.height) }
        #expect(
            FixtureFiles.fnv64(image.pixels) == fixture.fnv64,
            "means \(means) vs Pillow's \(fixture.mean)")
    }
}
