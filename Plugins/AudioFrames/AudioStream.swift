import Foundation

/// Long audio in bounded memory: decodes a file chunk by chunk, mixes to mono, resamples as the chunks arrive,
/// computes Kaldi frames as their samples complete and hands out each normalized spectrogram window (or ImageBind
/// clip) as soon as it is whole. Memory stays at a few chunks plus one window, whatever the file's length.
///
/// The results equal `AudioPatchRecipe.spectrograms(for:)` on the whole decoded file.
///
/// ```swift
/// try AudioStream(url: hourLongFile, recipe: .ast).forEachSpectrogram { index, spectrogram in … }
/// ```
public struct AudioStream: Sendable {
    public var url: URL
    public var recipe: AudioPatchRecipe
    /// Frames between consecutive window starts (windows recipes); nil: `targetLength` (no overlap).
    public var hopFrames: Int?
    public var limits: AudioDecoder.Limits
    /// File frames decoded per step.
    public var chunkFrames: Int

    public init(
        url: URL, recipe: AudioPatchRecipe, hopFrames: Int? = nil,
        limits: AudioDecoder.Limits = .init(maxDuration: .infinity), chunkFrames: Int = 1 << 17
    ) {
        self.url = url
        self.recipe = recipe
        self.hopFrames = hopFrames
        self.limits = limits
        self.chunkFrames = max(1, chunkFrames)
    }

    /// Calls `body` with each spectrogram `[targetLength, mel]` in order, with its index.
    public func forEachSpectrogram(_ body: (Int, Tensor) throws -> Void) throws {
        let reader = try AudioFileReader(url: url, limits: limits)
        guard reader.info.duration <= limits.maxDuration else {
            throw AudioError.tooLong(file: url.path, seconds: reader.info.duration, maximumSeconds: limits.maxDuration)
        }
        let sameRate = reader.info.sampleRate == recipe.sampleRate
        var resampler =
            sameRate
            ? nil
            : StreamingResampler(
                resampler: try Resampler(from: reader.info.sampleRate, to: recipe.sampleRate),
                totalInput: reader.info.frames)
        let total = resampler?.totalOutput ?? reader.info.frames
        var sink: any SampleSink
        switch recipe.clips {
        case .windows:
            sink = try WindowSink(
                recipe: recipe, totalSamples: total, hop: hopFrames ?? recipe.targetLength,
                what: url.path)
        case .evenlySpaced(let count, let seconds):
            sink = ClipSink(
                recipe: recipe,
                bounds: AudioPatchRecipe.clipBounds(
                    sampleCount: total, sampleRate: recipe.sampleRate, clips: count, seconds: seconds), what: url.path)
        }
        var chunk: [Float] = []
        chunk.reserveCapacity(chunkFrames)
        while reader.remaining > 0 {
            chunk.removeAll(keepingCapacity: true)
            try reader.readMono(maxFrames: chunkFrames, appendingTo: &chunk)
            let samples = resampler?.push(chunk) ?? chunk
            try sink.consume(samples, final: false, body)
        }
        try sink.consume([], final: true, body)
    }
}

/// Receives the resampled signal in order and emits spectrograms.
protocol SampleSink {
    mutating func consume(_ samples: [Float], final: Bool, _ body: (Int, Tensor) throws -> Void) throws
}

/// Streaming Kaldi frames cut into windows of `targetLength` frames every `hop` frames.
struct WindowSink: SampleSink {
    let recipe: AudioPatchRecipe
    let fbank: KaldiFbank
    let starts: [Int]
    let what: String
    let totalSamples: Int
    /// Samples not yet fully used by frames; `pending[0]` is sample `pendingStart`.
    var pending: [Float] = []
    var pendingStart = 0
    /// Feature rows kept for open windows; row 0 is frame `framesStart`.
    var frames: [Float] = []
    var framesStart = 0
    var nextFrame = 0
    let totalFrames: Int
    var nextWindow = 0

    init(recipe: AudioPatchRecipe, totalSamples: Int, hop: Int, what: String) throws {
        guard hop > 0 else { throw AudioError.invalidOption(name: "hop", reason: "must be positive, got \(hop)") }
        guard recipe.fbank.snipEdges else {
            throw AudioError.invalidOption(
                name: "snipEdges",
                reason: "streaming needs snipEdges (frames inside the "
                    + "signal); decode the whole file for reflected edges")
        }
        self.recipe = recipe
        fbank = try KaldiFbank(options: recipe.fbank)
        self.what = what
        self.totalSamples = totalSamples
        guard totalSamples >= recipe.fbank.windowSize else {
            throw AudioError.shorterThanOneFrame(
                what: what, samples: totalSamples, frameLength: recipe.fbank.windowSize)
        }
        totalFrames = fbank.frameCount(forSampleCount: totalSamples)
        starts = AudioPatchRecipe.windowStarts(frames: totalFrames, length: recipe.targetLength, hop: hop)
    }

    mutating func consume(_ samples: [Float], final: Bool, _ body: (Int, Tensor) throws -> Void) throws {
        pending.append(contentsOf: samples)
        let size = recipe.fbank.windowSize, shift = recipe.fbank.windowShift, width = recipe.fbank.featureCount
        let available = pendingStart + pending.count
        var ready = nextFrame
        if available >= size { ready = min(totalFrames, (available - size) / shift + 1) }
        if ready > nextFrame {
            let newRows = ready - nextFrame
            let base = frames.count
            frames.append(contentsOf: repeatElement(0, count: newRows * width))
            pending.withUnsafeBufferPointer { signal in
                frames.withUnsafeMutableBufferPointer { out in
                    fbank.computeFrames(
                        signal: signal, frames: nextFrame..<ready, signalOffset: pendingStart,
                        into: out.baseAddress! + base)
                }
            }
            nextFrame = ready
            let drop = min(pending.count, nextFrame * shift - pendingStart)
            if drop > 0 { pending.removeFirst(drop); pendingStart += drop }
        }
        // Emit every window whose frames are all computed (or, at the end, every remaining one, zero padded).
        while nextWindow < starts.count,
            final || starts[nextWindow] + recipe.targetLength <= nextFrame || nextFrame == totalFrames
        {
            let start = starts[nextWindow]
            let rows = frames.count / width
            let view = try Tensor(shape: [rows, width], values: frames)
            try body(nextWindow, recipe.window(of: view, start: start - framesStart))
            nextWindow += 1
            let keepFrom = nextWindow < starts.count ? starts[nextWindow] : nextFrame
            let dropRows = min(rows, keepFrom - framesStart)
            if dropRows > 0 { frames.removeFirst(dropRows * width); framesStart += dropRows }
        }
    }
}

/// Collects ImageBind's clips (fixed sample ranges of the resampled signal) as they stream past.
struct ClipSink: SampleSink {
    let recipe: AudioPatchRecipe
    let bounds: [Range<Int>]
    let what: String
    var clips: [[Float]]
    var position = 0

    init(recipe: AudioPatchRecipe, bounds: [Range<Int>], what: String) {
        self.recipe = recipe
        self.bounds = bounds
        self.what = what
        clips = bounds.map { _ in [] }
    }

    mutating func consume(_ samples: [Float], final: Bool, _ body: (Int, Tensor) throws -> Void) throws {
        let here = position..<(position + samples.count)
        for (i, b) in bounds.enumerated() {
            let lo = max(b.lowerBound, here.lowerBound), hi = min(b.upperBound, here.upperBound)
            if lo < hi { clips[i].append(contentsOf: samples[(lo - position)..<(hi - position)]) }
        }
        position += samples.count
        guard final else { return }
        let fbank = try KaldiFbank(options: recipe.fbank)
        for (i, var clip) in clips.enumerated() {
            if recipe.removeClipMean, !clip.isEmpty {
                var sum: Double = 0
                for x in clip { sum += Double(x) }
                let mean = Float(sum / Double(clip.count))
                for j in clip.indices { clip[j] -= mean }
            }
            try body(i, recipe.window(of: try fbank.compute(clip, what: "\(what) clip \(bounds[i])"), start: 0))
        }
    }
}
