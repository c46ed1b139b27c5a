import ArgumentParser
import Foundation
import FuseCore

/// Runs the peer scripts in Benchmarks/peers. A peer prints JSON on stdout: either one object (for the
/// `results`-style peers) or one object per line.
enum BenchPeer {
    /// The Python every bench uses for its peer unless `--peer-python` says otherwise: `$FUSE_PEER_PYTHON`, else
    /// the project's reference venv when present, else `python3` from the PATH.
    static var defaultPython: String {
        if let chosen = ProcessInfo.processInfo.environment["FUSE_PEER_PYTHON"] { return chosen }
        let venv = "/work/venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }

    /// Flushes what was printed so far, so figures reach a piped log as soon as they are measured (`fflush(NULL)`:
    /// Swift 6 refuses a reference to the C global `stdout`).
    static func flush() {
        fflush(nil)
    }

    /// Runs `name` with `python`; returns each JSON object it printed (a single object spanning the whole output,
    /// or one per line). When the peer cannot run or fails, says so on stderr and returns nothing, so Fuse's own
    /// figures are still printed.
    static func lines(python: String, script name: String, arguments: [String]) -> [[String: Any]] {
        guard !python.isEmpty else { return [] }
        flush()
        do {
            let output = try execute(python: python, script: try locate(name), arguments: arguments)
            if let whole = (try? JSONSerialization.jsonObject(with: output)) as? [String: Any] { return [whole] }
            return String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        } catch {
            printError("peer \(name): \(error); showing Fuse's figures only")
            return []
        }
    }

    /// A `results`-style peer: its name and its per-shape results (empty when it did not run).
    static func run(
        python: String, script name: String, arguments: [String]
    ) -> (name: String, results: [[String: Any]]) {
        guard let object = lines(python: python, script: name, arguments: arguments).first else { return (name, []) }
        return (object["peer"] as? String ?? name, object["results"] as? [[String: Any]] ?? [])
    }

    private static func execute(python: String, script: URL, arguments: [String]) throws -> Data {
        let process = Process()
        // Through env, so a bare name such as `python3` is looked up on the PATH.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw ValidationError("cannot run \(python): \(FileErrorReason.describe(error))")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(python) \(script.path) exited with status \(process.terminationStatus)")
        }
        return data
    }

    /// Benchmarks/peers/NAME under the current directory, or in the checkout this binary was built from.
    static func locate(_ name: String) throws -> URL {
        let relative = "Benchmarks/peers/\(name)"
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relative),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(relative),
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ValidationError("cannot find \(relative); run from the repository root")
        }
        return found
    }
}

/// Prints `message` on stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
