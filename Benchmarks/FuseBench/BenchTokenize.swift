import ArgumentParser
import Dispatch
import Foundation
import FuseCore
import FuseTokenizers
import TextBPE

/// `fuse bench tokenize`: MB/s and tokens/s of Fuse's tokenizer over a corpus's lines on one core and on all
/// cores, next to HF tokenizers' `encode_batch` (Benchmarks/peers/tokenize_hf.py) and, for a GPT-2 style byte-level
/// BPE, tiktoken (Benchmarks/peers/tokenize_tiktoken.py), timed in the same run on the same lines. The token count
/// and id sum of each engine are compared with Fuse's, so a fast wrong answer shows.
struct BenchTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Tokenizer throughput vs. HF tokenizers and tiktoken.")

    @Option(name: .long, help: ArgumentHelp("The tokenizer (tokenizer.json for the peers).", valueName: "PATH"))
    var tokenizer: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A UTF-8 corpus; each line is one text (tools/reference/text_corpus.py).",
            valueName: "CORPUS"))
    var file: String

    @Option(help: "Timed runs per engine and thread count; the median is reported.")
    var repeats: Int = 3

    @Option(help: "A Python with tokenizers (and tiktoken): runs the peers in the same sitting.")
    var peerPython: String?

    @Flag(help: "Run tiktoken too (the tokenizer must be a GPT-2 style byte-level BPE whose ids are its merge ranks).")
    var tiktoken = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        var tok = try Tokenizer.load(fileOrModelFolder: URL(fileURLWithPath: tokenizer))
        tok.truncation = nil
        tok.padding = nil
        let raw = try FileContents.data(at: URL(fileURLWithPath: file))
        let text = try TextFileReader().text(from: raw, source: file)
        // Same lines as the peers' `raw.decode("utf-8").split("\n")`.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let megabytes = Double(raw.count) / 1e6
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print(
            "Tokenization of \(file): \(String(format: "%.1f", megabytes)) MB, \(lines.count) lines; tokenizer "
                + "\(tokenizer); no special tokens; median of \(repeats) runs (higher is better)")
        print(
            pad("engine", 34) + pad("threads", 9) + pad("MB/s", 9) + pad("Mtokens/s", 11) + pad("tokens", 12)
                + "ids vs Fuse")
        var reference: (tokens: Int, idSum: Int)?
        for threads in Array(Set([1, cores])).sorted() {
            var counts = (tokens: 0, idSum: 0)
            let seconds = try Self.median(repeats) {
                let ids = try tok.modelIDsBatch(lines, threads: threads)
                counts = (ids.reduce(0) { $0 + $1.count }, ids.reduce(0) { $0 + $1.reduce(0) { $0 + Int($1) } })
            }
            reference = reference ?? counts
            report(
                "Fuse", threads, megabytes / seconds, Double(counts.tokens) / seconds, counts.tokens,
                counts == reference! ? "same" : "DIFFERENT")
        }
        guard let peerPython, let reference else { return }
        var peers = ["tokenize_hf.py"]
        if tiktoken { peers.append("tokenize_tiktoken.py") }
        for script in peers {
            for threads in Array(Set([1, cores])).sorted() {
                do {
                    let result = try Self.runPeer(
                        python: peerPython, script: script,
                        arguments: [
                            "--tokenizer", tokenizer, "--file", file, "--repeat", String(repeats),
                            "--threads", String(threads),
                        ])
                    let tokens = result["tokens"] as? Int ?? -1, idSum = result["id_sum"] as? Int ?? -1
                    let same = tokens == reference.tokens && idSum == reference.idSum
                    report(
                        result["peer"] as? String ?? script, threads, result["mb_per_s"] as? Double ?? 0,
                        result["tokens_per_s"] as? Double ?? 0, tokens,
                        same ? "same" : "DIFFERENT (count \(tokens), id sum \(idSum))")
                } catch {
                    print(pad(script, 34) + pad(String(threads), 9) + "failed: \(error)")
                }
            }
        }
    }

    private func report(
        _ engine: String, _ threads: Int, _ mbPerSecond: Double, _ tokensPerSecond: Double,
        _ tokens: Int, _ verdict: String
    ) {
        print(
            pad(engine, 34) + pad(String(threads), 9) + pad(String(format: "%.2f", mbPerSecond), 9)
                + pad(String(format: "%.2f", tokensPerSecond / 1e6), 11) + pad(String(tokens), 12) + verdict)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0)
    }

    /// Median wall seconds of `body` over `repeats` runs.
    static func median(_ repeats: Int, _ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// Runs a peer script that prints one JSON object on its last line.
    static func runPeer(python: String, script: String, arguments: [String]) throws -> [String: Any] {
        let url = try BenchPeer.locate(script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [url.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard process.terminationStatus == 0,
            let object = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any]
        else {
            throw ValidationError("\(url.path) failed (exit \(process.terminationStatus))")
        }
        return object
    }
}
