import ArgumentParser
import AudioFrames
import Dispatch
import Foundation

/// `fuse bench audio FILE`: milliseconds per 10 s of audio for decode, resample (to 16 kHz) and fbank (128 mel,
/// AST settings), plus the whole streaming plugin (decode → tokens), beside torchaudio's figures from the same run.
struct BenchAudio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Audio decode / resample / fbank throughput beside torchaudio.")

    @Argument(help: "An audio file (WAV, FLAC, OGG, AIFF).")
    var file: String

    @Option(help: "Timed runs per stage; the median is reported.")
    var repeats = 5

    @Option(
        name: [.customLong("peer-python"), .customLong("python")],
        help: "A Python with a matched torch + torchaudio for Benchmarks/peers/audio_torchaudio.py; '' skips it.")
    var peerPython = BenchAudio.defaultPeerPython

    /// `$FUSE_AUDIO_PEER_PYTHON`, else the venv holding torch 2.11 + torchaudio 2.11 (torchaudio does not import
    /// beside the reference venv's torch 2.13), else the bench's common default.
    static var defaultPeerPython: String {
        if let chosen = ProcessInfo.processInfo.environment["FUSE_AUDIO_PEER_PYTHON"] { return chosen }
        let venv = "/work/venv-audio/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : BenchPeer.defaultPython
    }

    @Option(help: "Limit the per-stage figures to the first N seconds (0: whole file); the plugin run reads it all.")
    var seconds: Double = 0

    func run() async throws {
        let url = URL(fileURLWithPath: file)
        var limits = AudioDecoder.Limits(maxDuration: .infinity)
        limits.nonFinite = .error
        let decoder = AudioDecoder(limits: limits, chunkFrames: 1 << 17)

        let (tDecode, audio) = try Self.median(repeats) { try Self.decode(url, decoder: decoder, seconds: seconds) }
        let cDecode = Self.lastCPU
        let duration = audio.duration
        let resampler = try Resampler(from: audio.sampleRate, to: 16_000)
        let (tResample, at16k) = try Self.median(repeats) { resampler.resample(audio.samples) }
        let cResample = Self.lastCPU
        let fbank = try KaldiFbank(options: .ast(numMelBins: 128))
        let (tFbank, features) = try Self.median(repeats) { try fbank.compute(at16k) }
        let cFbank = Self.lastCPU
        let per10 = 10 / duration * 1000
        print(
            String(
                format: "file: %@  %.1f s at %d Hz  (%d fbank frames)", file, duration, audio.sampleRate,
                features.shape[0]))
        let peerFigures = runPeer()
        print("stage       Fuse ms/10s   Fuse CPU ms/10s   torchaudio ms/10s   target")
        let stages = [
            ("decode", tDecode, cDecode, "decode_ms_per_10s", ""),
            ("resample", tResample, cResample, "resample_ms_per_10s", ""),
            ("fbank 128", tFbank, cFbank, "fbank_ms_per_10s", "≤ 3"),
        ]
        for (name, time, cpu, key, target) in stages {
            let theirs = peerFigures[key].map { String(format: "%.2f", $0) } ?? "–"
            print(
                name.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(format: "%12.2f %17.2f", time * per10, cpu * per10)
                    + theirs.leftPadded(20) + "   " + target)
        }

        // The whole plugin, streaming: decode chunks → mix → resample → fbank → AST windows → patch tokens.
        let plugin = AudioPlugin(decoder: decoder)
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = Self.cpuSeconds()
        var windows = 0, tokens = 0
        try plugin.forEachTokens(contentsOf: url, context: PreprocessingContext(options: ["recipe": "ast"])) {
            windows += 1
            tokens += $0.count
        }
        let whole = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = Self.cpuSeconds() - cpuStart
        let fileSeconds = try AudioFileReader(url: url, limits: limits).info.duration
        print(
            String(
                format: "plugin (stream, AST): %.3f s wall, %.3f s CPU for %.1f s of audio, %d windows, "
                    + "%d tokens", whole, cpu, fileSeconds, windows, tokens))
        let stagesPerHour = { (keys: [String]) -> Double? in
            let values = keys.compactMap { peerFigures[$0] }
            return values.count == keys.count ? values.reduce(0, +) * 360 / 1000 : nil
        }
        let peerHour =
            stagesPerHour(["decode_ms_per_10s", "resample_ms_per_10s", "fbank_ms_per_10s"])
            .map { String(format: "%.2f s", $0) } ?? "–"
        print(
            String(
                format: "  = %.2f s per hour of audio (target < 2 s); torchaudio's decode + resample + fbank: %@",
                whole / fileSeconds * 3600, peerHour))
    }

    static func decode(_ url: URL, decoder: AudioDecoder, seconds: Double) throws -> AudioBuffer {
        guard seconds > 0 else { return try decoder.decode(contentsOf: url) }
        let reader = try AudioFileReader(url: url, limits: decoder.limits)
        var samples: [Float] = []
        let want = min(reader.info.frames, Int(seconds * Double(reader.info.sampleRate)))
        while samples.count < want {
            try reader.readMono(maxFrames: min(decoder.chunkFrames, want - samples.count), appendingTo: &samples)
        }
        return try AudioBuffer(samples: samples, sampleRate: reader.info.sampleRate)
    }

    /// Median wall time of `runs` runs after a warm-up (CPU time of the process, all threads, goes to `lastCPU`).
    static func median<T>(_ runs: Int, _ body: () throws -> T) throws -> (Double, T) {
        var times: [Double] = []
        var result = try body()  // warm-up
        let cpuStart = cpuSeconds()
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            result = try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        lastCPU = (cpuSeconds() - cpuStart) / Double(max(1, runs))
        return (times.sorted()[times.count / 2], result)
    }

    /// CPU seconds per run of the last `median` call (both cores summed): a figure that a busy shared host
    /// disturbs less than wall time.
    nonisolated(unsafe) static var lastCPU = 0.0

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func runPeer() -> [String: Double] {
        let lines = BenchPeer.lines(
            python: peerPython, script: "audio_torchaudio.py",
            arguments: [file, "--repeats", String(repeats), "--seconds", String(seconds)])
        return lines.first?.compactMapValues { ($0 as? NSNumber)?.doubleValue } ?? [:]
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
