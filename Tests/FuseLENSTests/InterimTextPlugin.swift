import Foundation
import Fuse
import ImagePatch
import AudioFrames
import TextBPE

/// Until main's TextPlugin lands: `tokenizer.json` of the model folder through TextBPE's Tokenizer, one window.
final class InterimTextPlugin: ModalityPlugin, @unchecked Sendable {
    let id = "interim-text"
    let modality: Modality = .text
    let claims = PluginClaims(extensions: ["txt"], mimeTypes: ["text/plain"], signatures: [])
    private let lock = NSLock()
    private var tokenizers: [URL: Tokenizer] = [:]

    func decode(contentsOf url: URL) throws -> Sample { .text(try String(contentsOf: url, encoding: .utf8)) }

    func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] {
        guard case .text(let text) = sample else { throw FuseError.unsupportedSample(plugin: id, reason: "not text") }
        guard let directory = context.modelDirectory else {
            throw FuseError.unsupportedSample(plugin: id, reason: "no model folder to read tokenizer.json from")
        }
        let tokenizer = try lock.withLock { () throws -> Tokenizer in
            if let known = tokenizers[directory] { return known }
            let loaded = try Tokenizer.load(from: directory.appendingPathComponent("tokenizer.json"))
            tokenizers[directory] = loaded
            return loaded
        }
        return [try Tokens(modality: .text, content: .ids(try tokenizer.encode(text).ids))]
    }
}

enum TestPlugins {
    static var all: [any ModalityPlugin] { [InterimTextPlugin(), ImagePlugin(), AudioPlugin()] }
}
