import Foundation

/// A server under test started as its own process on a loopback port: `fuse serve` or the Python peer. Its RSS is
/// read from /proc; it is stopped with SIGTERM.
final class ServerProcess {
    let process = Process()
    let port: Int
    let name: String
    private let log: FileHandle

    init(name: String, executable: String, arguments: [String], port: Int, logPath: String) throws {
        self.name = name
        self.port = port
        FileManager.default.createFile(atPath: logPath, contents: nil)
        log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits until `GET path` answers 200 (models loaded), at most `seconds`.
    func waitUntilHealthy(path: String = "/health", seconds: Double = 300) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard process.isRunning else { throw BenchServeError.serverExited(name) }
            if LoopbackHTTP.exchange(port: port, method: "GET", path: path, body: [], timeoutSeconds: 5)?.status == 200
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw BenchServeError.notHealthy(name)
    }

    /// Resident memory in MiB (the process's own; the peer's `env` exec'd into Python, so the pid is Python's).
    var residentMiB: Double {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? log.close()
    }
}

enum BenchServeError: Error, CustomStringConvertible {
    case serverExited(String)
    case notHealthy(String)
    case noLoadGenerator

    var description: String {
        switch self {
        case .serverExited(let name): "\(name) exited before it was ready (see its log)"
        case .notHealthy(let name): "\(name) did not become healthy in time"
        case .noLoadGenerator: "wrk is not installed (apt-get install wrk)"
        }
    }
}
