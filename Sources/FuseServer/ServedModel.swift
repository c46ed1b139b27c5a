import AudioFrames
import Foundation
import Fuse
import FuseTokenizers
import ImagePatch
import TextBPE

/// One loaded model behind its batching queue: turns request items into token windows (with the same plugins
/// and preprocessing as `fuse embed`, so vectors match it), checks the per-item limits, and embeds.
public final class ServedModel: Sendable {
    /// The name requests use.
    public let name: String
    public let runtime: FuseRuntime
    /// The model's text tokenizer, when it has a text tower (for `/tokenize` and token-id input).
    public let tokenizer: Tokenizer?
    /// The caption bank `/v1/describe` retrieves captions from (one sentence per line), when the model has one.
    public let captionBank: URL?
    let queue: BatchQueue
    let limits: ServerConfiguration.Limits

    init(
        name: String, runtime: FuseRuntime, limits: ServerConfiguration.Limits, captionBank: URL? = nil,
        onBatch: @escaping @Sendable (BatchQueue.BatchReport) -> Void
    ) throws {
        self.name = name
        self.captionBank = captionBank
        self.runtime = runtime
        self.limits = limits
        if runtime.model.towers[.text] != nil {
            tokenizer = try TextPlugin().tokenizer(for: runtime.preprocessingContext(for: .text))
        } else {
            tokenizer = nil
        }
        queue = BatchQueue(
            model: runtime.model, name: name, maxBatchTokens: limits.maxBatchTokens,
            maxBatchSequences: limits.maxBatchRequests, onBatch: onBatch)
    }

    /// The longest sequence one text window may have.
    public var maxTextTokens: Int? { try? runtime.preprocessingContext(for: .text).maxTokens }

    /// What one embedded item gives: the unit vector `fuse embed` gives, the mean of its windows' raw vectors (TEI's
    /// `normalize: false`), and the number of real tokens it used.
    public struct ItemResult: Sendable {
        public let unit: [Float]
        public let raw: [Float]
        public let tokens: Int
    }

    /// Which window to keep of a text longer than the model's window (TEI's `truncate`); nil keeps them all and
    /// averages them, as `fuse embed` does.
    public enum Truncation: Sendable {
        case keepFirst, keepLast
    }

    /// The token windows of one item and the modality they are embedded as: the item's own, except a sound when
    /// the runtime has a speech model ("audio as text"), whose windows are its transcript's text.
    public struct ItemWindows: Sendable {
        public let modality: Modality
        public let windows: [Tokens]
    }

    /// Embeds `items`, batching their windows with other requests'; results keep the items' order.
    public func embed(_ items: [InputItem], truncation: Truncation? = nil) async throws -> [ItemResult] {
        var tokenized: [ItemWindows] = []
        tokenized.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            tokenized.append(try self.windows(for: item, index: index, truncation: truncation))
        }
        let windows = tokenized.map(\.windows)
        var results = [ItemResult?](repeating: nil, count: items.count)
        let byModality = Dictionary(grouping: items.indices, by: { tokenized[$0].modality })
        for modality in byModality.keys.sorted(by: { $0.name < $1.name }) {
            let indices = byModality[modality]!
            let rows = try await queue.embed(indices.flatMap { windows[$0] }, modality: modality)
            var offset = 0
            for index in indices {
                let itemRows = Array(rows[offset..<(offset + windows[index].count)])
                offset += windows[index].count
                let tokens = windows[index].reduce(0) { $0 + $1.attentionMask.reduce(0) { $0 + Int($1) } }
                results[index] = ItemResult(
                    unit: FuseRuntime.unitMean(itemRows), raw: Self.mean(itemRows),
                    tokens: tokens)
            }
        }
        return results.map { $0! }
    }

    /// The token windows of one item, after its limits are checked. With `transcribing` (the default) and a speech
    /// model, a sound is transcribed and its windows are the transcript's text windows, as `fuse embed` makes them.
    public func windows(
        for item: InputItem, index: Int, truncation: Truncation? = nil, transcribing: Bool = true
    ) throws -> ItemWindows {
        // A sound the runtime embeds as text is embedded through the text tower; the tower is checked before
        // anything is decoded, so a model that cannot embed the item refuses it without reading the bytes.
        let speech = transcribing ? runtime.speech : nil
        let modality = item.modality == .audio && speech != nil ? Modality.text : item.modality
        let context: PreprocessingContext
        do { context = try runtime.preprocessingContext(for: modality) } catch {
            throw ServerError.invalidInput("input \(index): model '\(name)' does not embed \(modality) input")
        }
        // A sound is decoded (its limits checked), then transcribed when the runtime embeds sounds as text.
        var audio: AudioBuffer?
        var transcript: String?
        if case .audio(let bytes) = item {
            let decoded = try decodeAudio(bytes, index: index)
            if let speech {
                do { transcript = try speech.transcribe(decoded).text } catch {
                    throw ServerError.invalidInput("input \(index): could not transcribe the sound: \(error)")
                }
            } else {
                audio = decoded
            }
        }
        let plugin = try runtime.plugin(for: modality)
        func textWindows(_ text: String) throws -> [Tokens] {
            let windows = try plugin.tokenize(.text(text), context: context)
            let count = windows.reduce(0) { $0 + $1.count }
            guard count <= limits.maxItemTokens else {
                throw ServerError.itemTooLarge(
                    item: index, what: "\(count) tokens",
                    limit: "\(limits.maxItemTokens) tokens")
            }
            return windows
        }
        var windows: [Tokens] = []
        switch item {
        case .text(let text):
            guard !text.isEmpty else { throw ServerError.invalidInput("input \(index): empty text") }
            windows = try textWindows(text)
        case .tokenIDs(let ids):
            windows = [try tokenWindow(ids, index: index, maxTokens: context.maxTokens)]
        case .image(let bytes):
            let image: ImageBuffer
            do {
                image = try ImageDecoder(maxPixels: limits.maxImagePixels).decode(bytes, name: "input \(index)")
            } catch ImageError.tooManyPixels(_, let width, let height, let limit) {
                throw ServerError.itemTooLarge(
                    item: index, what: "an image of \(width)×\(height) pixels",
                    limit: "\(limit) pixels")
            }
            windows = try plugin.tokenize(.image(image), context: context)
        case .audio:
            // A silent sound's transcript is empty: embedded as the empty text, as `fuse embed` does.
            if let transcript {
                windows = try textWindows(transcript)
            } else if let audio {
                windows = try plugin.tokenize(.audio(audio), context: context)
            }
        }
        guard !windows.isEmpty else { throw ServerError.invalidInput("input \(index): produced no tokens") }
        switch truncation {
        case .keepFirst? where windows.count > 1: windows = [windows[0]]
        case .keepLast? where windows.count > 1: windows = [windows[windows.count - 1]]
        default: break
        }
        return ItemWindows(modality: modality, windows: windows)
    }

    /// A token-id item is one complete sequence, special tokens included (as `/tokenize` returns them), so the
    /// ids of a text give the text's vector.
    private func tokenWindow(_ ids: [Int], index: Int, maxTokens: Int?) throws -> Tokens {
        guard let tokenizer else {
            throw ServerError.invalidInput("input \(index): model '\(name)' has no text tokenizer for token ids")
        }
        guard !ids.isEmpty else { throw ServerError.invalidInput("input \(index): empty token id list") }
        let limit = maxTokens ?? limits.maxItemTokens
        guard ids.count <= limit else {
            throw ServerError.itemTooLarge(
                item: index, what: "\(ids.count) token ids",
                limit: "\(limit) tokens (the model's sequence length)")
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= tokenizer.vocabSize }) {
            throw ServerError.invalidInput(
                "input \(index): token id \(bad) is outside the vocabulary (0..<\(tokenizer.vocabSize))")
        }
        return try Tokens(
            modality: .text, content: .ids(ids.map { Int32($0) }),
            tokenTypeIDs: [Int32](repeating: 0, count: ids.count))
    }

    /// libsndfile reads files only, so the bytes go to a private temporary file the server names and removes; the
    /// request never names a path.
    private func decodeAudio(_ bytes: Data, index: Int) throws -> AudioBuffer {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("fuse-serve-\(UUID().uuidString).audio")
        do { try bytes.write(to: file, options: .withoutOverwriting) } catch {
            throw ServerError.internalError("could not stage audio input \(index): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            return try AudioDecoder(limits: .init(maxDuration: limits.maxAudioSeconds)).decode(contentsOf: file)
        } catch AudioError.tooLong(_, let seconds, let maximum) {
            throw ServerError.itemTooLarge(
                item: index, what: "\(seconds) s of audio",
                limit: "\(maximum) s")
        } catch {
            throw ServerError.invalidInput(
                "input \(index): "
                    + String(describing: error).replacingOccurrences(of: file.path, with: "audio"))
        }
    }

    static func mean(_ rows: [[Float]]) -> [Float] {
        guard let first = rows.first, rows.count > 1 else { return rows.first ?? [] }
        var sum = first
        for row in rows.dropFirst() { for i in sum.indices { sum[i] += row[i] } }
        return sum.map { $0 / Float(rows.count) }
    }
}
