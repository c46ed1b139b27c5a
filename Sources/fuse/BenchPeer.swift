import ArgumentParser
import Foundation

/// Runs a peer script from Benchmarks/peers with a given Python and returns its JSON object. Peers print one JSON
/// object with "peer" (a name) and "results" (one entry per shape) on stdout.
enum BenchPeer {
    static func run(python: String, script name: String, arguments: [String]) throws -> (name: String, results: [[String: Any]]) {
        let script = try locate(name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw ValidationError("cannot run the peer with \(python): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let results = object["results"] as? [[String: Any]]
        else {
            throw ValidationError("the peer \(script.path) failed (exit \(process.terminationStatus))")
        }
        return (object["peer"] as? String ?? name, results)
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
