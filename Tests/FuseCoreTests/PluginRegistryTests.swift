import Foundation
import Testing
@testable import FuseCore

struct FakePlugin: ModalityPlugin {
    let id: String
    let modality: Modality
    let claims: PluginClaims
    var possible = false

    func sniff(_ prefix: [UInt8]) -> SniffVerdict {
        if claims.signatures.contains(where: { $0.matches(prefix) }) { return .definite }
        return possible ? .possible : .no
    }
    func decode(contentsOf url: URL) throws -> Sample { .text("") }
    func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] { [] }
}

@Suite struct PluginRegistryTests {
    let png = FakePlugin(
        id: "png", modality: .image,
        claims: PluginClaims(extensions: ["png"], signatures: [MagicSignature(bytes: [0x89, 0x50, 0x4E, 0x47])]))
    let wav = FakePlugin(
        id: "wav", modality: .audio,
        claims: PluginClaims(extensions: ["wav"], signatures: [MagicSignature(ascii: "RIFF")]))
    let text = FakePlugin(id: "text", modality: .text, claims: PluginClaims(extensions: ["txt"]), possible: true)

    @Test func magicBytesWinOverExtension() throws {
        let registry = try PluginRegistry([png, wav, text])
        // A PNG file misnamed .wav is still a PNG.
        #expect(registry.plugin(forPrefix: [0x89, 0x50, 0x4E, 0x47, 0x0D], extension: "wav")?.id == "png")
    }

    @Test func extensionBeforePossibleContent() throws {
        let registry = try PluginRegistry([png, wav, text])
        #expect(registry.plugin(forPrefix: Array("hello".utf8), extension: "wav")?.id == "wav")
        #expect(registry.plugin(forPrefix: Array("hello".utf8), extension: "bin")?.id == "text")
    }

    @Test func nothingClaimsIsNil() throws {
        let registry = try PluginRegistry([png, wav])
        #expect(registry.plugin(forPrefix: [0, 1, 2], extension: "xyz") == nil)
    }

    @Test func duplicateIDIsRejected() throws {
        var registry = try PluginRegistry([png])
        #expect(throws: FuseError.duplicatePlugin(id: "png")) { try registry.register(png) }
    }

    @Test func conflictsAreReportedInPrecedenceOrder() throws {
        let other = FakePlugin(id: "png2", modality: .image, claims: PluginClaims(extensions: ["png"]))
        let registry = try PluginRegistry([png, other])
        #expect(registry.conflicts == ["png": ["png", "png2"]])
        #expect(registry.plugin(forPrefix: [], extension: "PNG")?.id == "png")
    }

    @Test func explicitIDAndMissingFile() throws {
        let registry = try PluginRegistry([png, wav])
        #expect(try registry.plugin(for: URL(fileURLWithPath: "/nonexistent"), explicitID: "wav").id == "wav")
        #expect(throws: FuseError.fileNotFound(path: "/nonexistent/x.png")) {
            try registry.plugin(for: URL(fileURLWithPath: "/nonexistent/x.png"))
        }
        #expect(throws: FuseError.unknownPlugin(id: "nope", known: ["png", "wav"])) {
            try registry.plugin(id: "nope")
        }
    }
}
