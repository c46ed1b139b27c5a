import Foundation
import ImagePatch
import Testing

/// Issue 17: a valid 1×5000 PNG was refused because its CLIP resize target, 224×1,120,000, exceeded the pixel bound
/// meant for what preprocessing allocates, and the error told the user to raise `maxOutputPixels`, which the CLI
/// cannot. Only the crop's rows and columns of the resize are computed now; the bound applies to the output.
@Suite("Extreme aspect ratios match transformers without materialising the resize")
struct ExtremeAspectTests {
    static let cases: [PreprocessCase] = (try? FixtureFiles.json("extreme.json", as: [PreprocessCase].self)) ?? []

    @Test("fixture index is present") func fixturesExist() { #expect(Self.cases.count == 3) }

    /// Reference: transformers 5 `CLIPImageProcessor` (Pillow 13) resizing to the full 224×1,120,000 (etc.) and
    /// centre-cropping (tools/reference/image_fixtures.py, `extreme`). Tolerance as the other preprocessing
    /// fixtures: ≥ 99 % of bytes identical, none off by more than 1; the normalized tensor's samples within one
    /// 8-bit step (1/255 over the smallest CLIP std, 0.0146) plus 1e-5.
    @Test("thin images: resized and cropped pixels and the tensor agree with transformers", arguments: cases)
    func thinImageParity(_ fixture: PreprocessCase) throws {
        let decoder = ImageDecoder()
        let image = try decoder.decode(contentsOf: FixtureFiles.url("decode/" + fixture.source))
        let expected = try decoder.decode(contentsOf: FixtureFiles.url("extreme/" + fixture.cropped))
        let preprocessor = try PreprocessorParityTests.preprocessor(fixture.config)
        let ours = try preprocessor.resizedAndCropped(image)
        #expect([3, ours.height, ours.width] == fixture.shape)
        let agreement = pixelAgreement(ours.pixels, expected.pixels)
        #expect(agreement.identical >= 0.99, "identical \(agreement.identical)")
        #expect(agreement.maxDiff <= 1, "max difference \(agreement.maxDiff)")

        let tensor = try preprocessor(image).scalars
        let samples = try #require(fixture.samples), stride = try #require(fixture.sampleStride)
        let step = Float(1.0 / 255.0) / ImagePreprocessor.clipStd.min()! + 1e-5
        let worst = samples.enumerated().map { abs(tensor[$0.offset * stride] - $0.element) }.max() ?? .infinity
        #expect(samples.count > 100 && worst <= step, "max abs error \(worst)")
    }

    @Test("the built-in CLIP recipe takes a 1×5000 image; its resize target is not bounded by the output limit")
    func builtInRecipeTakesThinImages() throws {
        let image = try ImageBuffer(width: 1, height: 5000, pixels: (0..<15_000).map { UInt8(truncatingIfNeeded: $0) })
        let clip = ImagePreprocessor.clip(size: 224)
        #expect(clip.resizedSize(width: 1, height: 5000) == (224, 1_120_000))
        #expect(try clip(image).shape == [3, 224, 224])
        let wide = try ImageBuffer(width: 5000, height: 1, pixels: (0..<15_000).map { UInt8(truncatingIfNeeded: $0) })
        #expect(try ImagePreprocessor.imageBind(wide).shape == [3, 224, 224])
    }

    @Test("an output over the limit is refused naming the sizes, without suggesting a library setting")
    func outputLimitMessage() throws {
        let image = try ImageBuffer(width: 7, height: 5, pixels: [UInt8](repeating: 9, count: 105))
        do {
            _ = try ImagePreprocessor.vit(size: 5000).resizedAndCropped(image)
            Issue.record("a 5000×5000 output was produced")
        } catch {
            let message = "\(error)"
            #expect(message.contains("7×5 image") && message.contains("5000×5000"), "\(message)")
            #expect(!message.contains("maxOutputPixels") && !message.contains("raise"), "\(message)")
        }
        var huge = ImagePreprocessor.clip(size: 224)
        huge.resize = .shortestEdge(1 << 40)
        #expect(throws: ImageError.self) { try huge.resizedAndCropped(image) }
        let bomb = ImageError.tooManyPixels(file: "a.png", width: 100_000, height: 100_000, limit: 10)
        #expect(!bomb.description.contains("raise") && !bomb.description.contains("maxPixels"))
    }
}
