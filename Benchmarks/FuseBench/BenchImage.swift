import ArgumentParser
import Dispatch
import Foundation
import FuseCore
import ImagePatch

/// `fuse bench image FILE…`: per-image milliseconds to decode, and to decode + CLIP-preprocess (shortest edge
/// 224 bicubic, centre crop, rescale, normalize), next to Pillow + numpy and transformers' CLIPImageProcessor
/// timed by Benchmarks/peers/image_peer.py in the same run.
struct BenchImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Image decode and CLIP preprocessing time vs. Pillow + numpy.")

    @Argument(help: "PNG or JPEG files (tools/reference/image_bench_inputs.py writes 1024×768 ones).")
    var files: [String]

    @Option(help: "Timed repetitions per file and stage (after one warm-up); the median is reported.")
    var repeats: Int = 20

    @Option(help: "A Python with Pillow, numpy and transformers for Benchmarks/peers/image_peer.py; '' skips it.")
    var peerPython: String = BenchPeer.defaultPython

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard !files.isEmpty else { throw ValidationError("give at least one image file") }
    }

    func run() throws {
        let decoder = ImageDecoder()
        let preprocess = ImagePreprocessor.clip(size: 224)
        var peer: [String: [String: Double]] = [:]
        peer = runPeer()
        print("Image decode and CLIP preprocessing, median ms per image over \(repeats) runs (lower is better)")
        print("2 cores: Fuse resizes on both; 'Fuse ×2' runs two images at once and reports wall time / image.")
        print(
            pad("file", 28) + pad("stage", 26) + pad("Fuse", 10) + pad("Fuse ×2", 10) + pad("Pillow+np", 11)
                + "transformers")
        for file in files {
            let url = URL(fileURLWithPath: file)
            let data = try FileContents.data(at: url)
            let image = try decoder.decode(data, name: file)
            let name = "\(url.lastPathComponent) \(image.width)×\(image.height)"
            let decodeMs = Self.median(repeats) { _ = try? decoder.decode(contentsOf: url) }
            let decodePair = Self.pairWall(repeats) { _ = try? decoder.decode(contentsOf: url) }
            let fullMs = Self.median(repeats) { _ = try? preprocess(try decoder.decode(contentsOf: url)) }
            let fullPair = Self.pairWall(repeats) { _ = try? preprocess(try decoder.decode(contentsOf: url)) }
            let p = peer[file] ?? [:]
            print(
                pad(name, 28) + pad("decode → RGB", 26) + pad(Self.format(decodeMs), 10)
                    + pad(Self.format(decodePair), 10) + pad(Self.format(p["decode"]), 11) + "–")
            print(
                pad(name, 28) + pad("decode + CLIP 224 tensor", 26) + pad(Self.format(fullMs), 10)
                    + pad(Self.format(fullPair), 10) + pad(Self.format(p["pillow+np"]), 11)
                    + Self.format(p["transformers"]))
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    static func format(_ ms: Double?) -> String { ms.map { String(format: "%.2f", $0) } ?? "–" }

    /// Median wall milliseconds of `body` over `repeats` runs after a warm-up.
    static func median(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Wall milliseconds per image when two threads each run `body` `repeats` times at once.
    static func pairWall(_ repeats: Int, _ body: @escaping @Sendable () -> Void) -> Double {
        body()
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<repeats { body() }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(2 * repeats)
    }

    /// Runs the peer script; returns file → stage → median ms.
    private func runPeer() -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        for object in BenchPeer.lines(
            python: peerPython, script: "image_peer.py",
            arguments: files + ["--repeats", String(repeats)])
        {
            guard let file = object["file"] as? String, let stage = object["stage"] as? String,
                let ms = object["ms"] as? Double
            else { continue }
            result[file, default: [:]][stage] = ms
        }
        return result
    }
}
