import FuseCore

/// How `WhisperModel.generate` decodes.
public struct WhisperDecodingOptions: Sendable, Equatable {
    /// 1: greedy; more: beam search with that many beams (5 in OpenAI's `whisper` CLI and faster-whisper).
    public var beamSize: Int
    /// Timestamp tokens (`<|0.00|>` …) and segments with times; long audio then seeks by the last timestamp.
    public var timestamps: Bool
    /// At most this many tokens per window (default: up to `max_length` positions).
    public var maxNewTokens: Int?
    /// A language (`"de"`, `"german"` or `"<|de|>"`) for multilingual checkpoints; nil: detected from the first
    /// window.
    public var language: String?
    /// `"transcribe"` or `"translate"` (multilingual checkpoints).
    public var task: String?

    public init(
        beamSize: Int = 5, timestamps: Bool = false, maxNewTokens: Int? = nil, language: String? = nil,
        task: String? = nil
    ) {
        self.beamSize = beamSize
        self.timestamps = timestamps
        self.maxNewTokens = maxNewTokens
        self.language = language
        self.task = task
    }
}

/// A stretch of generated tokens with its times in seconds from the start of the audio.
public struct WhisperSegment: Sendable, Equatable {
    public let start: Double
    public let end: Double
    public let tokens: [Int32]
}

/// What `generate` returns: every window's tokens in order (without prompts or end-of-text, as transformers'
/// `generate` returns its sequences) and the segments they form.
public struct WhisperGenerationResult: Sendable, Equatable {
    public let tokens: [Int32]
    public let segments: [WhisperSegment]
    /// The language token the prompt used (detected or given), for multilingual checkpoints.
    public let languageTokenID: Int?
}

extension WhisperModel {
    /// Transcribes 16 kHz mono `samples` as faster-whisper and OpenAI's `whisper` prepare them
    /// (`WhisperFeatureExtractor.contentFeatures`) and `generate` decodes features: window after window, each
    /// padded with zero frames, each starting where the previous one's last complete timestamp pair ended (or a
    /// whole window later).
    public func generate(samples: [Float], options: WhisperDecodingOptions = .init()) throws -> WhisperGenerationResult
    {
        try generate(features: features.contentFeatures(samples), options: options)
    }

    /// `WhisperForConditionalGeneration.generate` over log-mel features `[frames, melBins]` (time-major): one padded
    /// window as transformers' processor makes it, or a recording's frames of any length.
    public func generate(features: Tensor, options: WhisperDecodingOptions = .init()) throws -> WhisperGenerationResult
    {
        let windowFrames = encoder.windowFrames, mel = config.melBins
        guard features.rank == 2, features.shape[1] == mel else {
            throw FuseError.shapeMismatch(
                what: "Whisper log-mel features", expected: [-1, mel], actual: features.shape)
        }
        let totalFrames = features.shape[0]
        let secondsPerFrame = Double(self.features.hopLength) / Double(self.features.sampleRate)
        let inputStride = 2  // conv1 stride 1 × conv2 stride 2
        let timePrecision = secondsPerFrame * Double(inputStride)
        if let language = options.language { _ = try languageToken(language) }  // refused before any work
        var seek = 0
        var segments: [WhisperSegment] = []
        var prompt: [Int32]?
        var languageTokenID: Int?
        let rules = WhisperLogitsRules(generation: generation, timestamps: options.timestamps)
        while seek < totalFrames {
            let windowLength = min(totalFrames - seek, windowFrames)
            let window = try features.rows(seek..<(seek + windowLength))
            let padded =
                windowLength == windowFrames
                ? window
                : Tensor(shape: [windowFrames, mel]) { buffer in
                    buffer.initialize(repeating: 0)
                    window.withUnsafeBufferPointer {
                        buffer.baseAddress!.update(from: $0.baseAddress!, count: $0.count)
                    }
                }
            let cross = crossCache(try encode(padded))
            if prompt == nil {
                let made = try initialTokens(options: options, cross: cross)
                prompt = made.tokens
                languageTokenID = made.language
            }
            let decoderPrompt = prompt!
            let limit = try maxLength(promptLength: decoderPrompt.count, options: options)
            let search = WhisperSearch(model: self, cross: cross, rules: rules, maxLength: limit)
            let sequence = try search.run(prompt: decoderPrompt, beams: max(options.beamSize, 1))
            let (found, offset) = Self.segments(
                sequence, timestampBegin: generation.timestampBegin, timeOffset: Double(seek) * secondsPerFrame,
                windowLength: windowLength, secondsPerFrame: secondsPerFrame, timePrecision: timePrecision,
                inputStride: inputStride)
            segments += found
            seek += max(offset, 0)
            if offset <= 0 { seek += windowLength }  // a window that names no progress never repeats forever
        }
        return WhisperGenerationResult(
            tokens: segments.flatMap(\.tokens), segments: segments, languageTokenID: languageTokenID)
    }

    /// transformers' `_set_max_new_tokens_and_length`: `prompt + maxNewTokens`, else `max_length` more positions,
    /// capped by the decoder's positions.
    func maxLength(promptLength: Int, options: WhisperDecodingOptions) throws -> Int {
        if let extra = options.maxNewTokens {
            return min(promptLength + max(extra, 0), config.maxTargetPositions)
        }
        let initial = min(config.maxTargetPositions / 2 - 1, promptLength)
        return min(generation.maxLength + initial, config.maxTargetPositions)
    }

    /// transformers' `_retrieve_segment`: split `sequence` at consecutive timestamp pairs; the frames to seek.
    static func segments(
        _ sequence: [Int32], timestampBegin: Int?, timeOffset: Double, windowLength: Int, secondsPerFrame: Double,
        timePrecision: Double, inputStride: Int
    ) -> ([WhisperSegment], Int) {
        let begin = timestampBegin ?? Int.max
        let isTimestamp = sequence.map { Int($0) >= begin }
        let singleEnding = isTimestamp.count >= 2 && !isTimestamp[isTimestamp.count - 2] && isTimestamp.last!
        var cuts = (0..<max(isTimestamp.count - 1, 0)).filter { isTimestamp[$0] && isTimestamp[$0 + 1] }.map { $0 + 1 }
        func time(_ token: Int32) -> Double { timeOffset + Double(Int(token) - begin) * timePrecision }
        guard !cuts.isEmpty else {
            var end = timeOffset + Double(Int(Double(windowLength) * secondsPerFrame / timePrecision)) * timePrecision
            if let last = sequence.last(where: { Int($0) >= begin }), Int(last) != begin { end = time(last) }
            return ([WhisperSegment(start: timeOffset, end: end, tokens: sequence)], windowLength)
        }
        if singleEnding { cuts.append(sequence.count) } else { cuts[cuts.count - 1] += 1 }
        var result: [WhisperSegment] = []
        var last = 0
        for (index, cut) in cuts.enumerated() {
            let piece = Array(sequence[last..<cut])
            let endIndex = index < cuts.count - 1 || singleEnding ? piece.count - 1 : piece.count - 2
            result.append(WhisperSegment(start: time(piece[0]), end: time(piece[endIndex]), tokens: piece))
            last = cut
        }
        let offset = singleEnding ? windowLength : (Int(sequence[last - 2]) - begin) * inputStride
        return (result, offset)
    }

    /// The decoder prompt (transformers' `_retrieve_init_tokens`): `<|startoftranscript|>`, then the forced prompt
    /// of `generation_config.json` when neither language nor task is given, the language (given, or detected on
    /// the first window for multilingual checkpoints), the task, and `<|notimestamps|>` unless timestamps are on.
    func initialTokens(
        options: WhisperDecodingOptions, cross: WhisperCrossCache
    ) throws -> (tokens: [Int32], language: Int?) {
        var tokens: [Int?] = [generation.decoderStartTokenID]
        if options.task == nil && options.language == nil { tokens += generation.forcedPrompt }
        let languageUndefined = tokens.count <= 1 || tokens[1] == nil
        var language: Int?
        if let name = options.language {
            language = try languageToken(name)
        } else if generation.isMultilingual && languageUndefined {
            language = try detectLanguage(cross: cross)
        }
        if let language {
            if tokens.count > 1 { tokens[1] = language } else { tokens.append(language) }
        }
        if let task = options.task {
            guard let id = generation.taskTokens[task] else {
                throw ModelError.invalidField(
                    file: folder.appendingPathComponent("generation_config.json").path, field: "task_to_id",
                    reason:
                        "has no task '\(task)' (it has: \(generation.taskTokens.keys.sorted().joined(separator: ", ")))"
                )
            }
            tokens.append(id)
        } else if options.language != nil, let transcribe = generation.taskTokens["transcribe"],
            !tokens.contains(where: { $0.map { generation.taskTokens.values.contains($0) } ?? false })
        {
            tokens.append(transcribe)
        }
        if let noTimestamps = generation.noTimestampsTokenID {
            if !options.timestamps && tokens.last! != noTimestamps {
                tokens.append(noTimestamps)
            } else if options.timestamps && tokens.last! == noTimestamps {
                tokens.removeLast()
            }
        }
        return (tokens.compactMap { $0.map(Int32.init) }, language)
    }

    /// The language whose token the decoder finds likeliest after `<|startoftranscript|>` (transformers'
    /// `detect_language`).
    func detectLanguage(cross: WhisperCrossCache) throws -> Int {
        let logits = try decode([Int32(generation.decoderStartTokenID)], cache: makeCache(), cross: cross).scalars
        let ids = generation.languageTokens.values.sorted()
        return ids.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
    }

    /// `de`, `german` (as a language code's token `<|de|>`) or `<|de|>` → its token id.
    func languageToken(_ name: String) throws -> Int {
        let lower = name.lowercased()
        let candidates = [lower, "<|\(lower)|>"] + (WhisperLanguages.codes[lower].map { ["<|\($0)|>"] } ?? [])
        for candidate in candidates { if let id = generation.languageTokens[candidate] { return id } }
        throw ModelError.invalidField(
            file: folder.appendingPathComponent("generation_config.json").path, field: "lang_to_id",
            reason: generation.isMultilingual
                ? "has no language '\(name)'" : "is absent: this is an English-only checkpoint, it takes no language")
    }
}
