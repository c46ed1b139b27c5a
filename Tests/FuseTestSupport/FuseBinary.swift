import Foundation

/// The `fuse` executable that `swift build` / `swift test` put beside the test bundle, run as a user would: the
/// command-line tests of every test target share this instead of each spawning processes its own way.
public enum FuseBinary {
    /// What one run printed and how it ended.
    public struct Run: Sendable {
        public let status: Int32
        public let output: String
        public let errors: String
    }

    /// The binary was not built (run `swift build` first).
    public struct NotBuilt: Error, CustomStringConvertible {
        public let searched: [String]
        public var description: String {
            "the fuse executable was not built next to the tests (searched \(searched.joined(separator: ", ")))"
        }
    }

    /// The repository root (`FixturePaths.repository`).
    public static let repository = FixturePaths.repository

    /// The executable: beside the test bundle first, else in `.build/debug`.
    public static func url() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fuse"),
            Bundle.main.bundleURL.appendingPathComponent("fuse"),
            repository.appendingPathComponent(".build/debug/fuse"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NotBuilt(searched: candidates.map(\.path))
        }
        return found
    }

    /// Runs `fuse arguments…` with extra environment variables (added to this process's), in `currentDirectory`
    /// when given, and returns its output. `executable` runs another program instead (a shell wrapping fuse).
    public static func run(
        _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: URL? = nil, executable: URL? = nil
    ) throws -> Run {
        let process = Process()
        process.executableURL = try executable ?? url()
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Output goes to files, not pipes: a child that fills one pipe while we drain the other can never stall.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        for url in [outURL, errURL] { try Data().write(to: url) }
        let output = try FileHandle(forWritingTo: outURL), errors = try FileHandle(forWritingTo: errURL)
        defer { try? output.close(); try? errors.close() }
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let out = try Data(contentsOf: outURL), err = try Data(contentsOf: errURL)
        return Run(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
            errors: String(decoding: err, as: UTF8.self))
    }

    /// Runs `fuse arguments…` to the end, watching `file`: returns the run's exit status, its duration, and how long
    /// after the start `file` first held bytes (nil if it never did while the run lasted). Crash-safety tests use it
    /// to aim kills at the part of a run that writes output.
    public static func runWatching(
        _ arguments: [String], file: URL
    ) throws -> (
        status: Int32, duration: TimeInterval, firstBytes: TimeInterval?
    ) {
        try runWatching(arguments) {
            guard let size = try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int else {
                return false
            }
            return size > 0
        }
    }

    /// Runs `fuse arguments…` to the end, asking `hasOutput` every millisecond or so until it first answers true:
    /// returns the run's exit status, its duration, and how long after the start that was (nil if never while the run
    /// lasted).
    public static func runWatching(
        _ arguments: [String], until hasOutput: () -> Bool
    ) throws -> (
        status: Int32, duration: TimeInterval, firstBytes: TimeInterval?
    ) {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var firstBytes: TimeInterval?
        while process.isRunning {
            if firstBytes == nil, hasOutput() { firstBytes = Date().timeIntervalSince(started) }
            usleep(1_000)
        }
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(started), firstBytes)
    }

    /// Starts `fuse arguments…`, kills it with SIGKILL `delay` seconds after `hasOutput` first answers true (asked
    /// every few milliseconds; with no `hasOutput`, `delay` seconds after the start) unless it ended first, and returns
    /// whether the kill is what ended it (crash-safety tests: the kernel, not the test, decides where writes stop).
    /// Counting from the run's own first output keeps kills in the part of the run that writes, however slow the
    /// machine is at loading the model that time.
    public static func runKilled(
        _ arguments: [String], after delay: Double, countingFrom hasOutput: (() -> Bool)? = nil
    ) throws -> Bool {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var deadline = hasOutput == nil ? Date().addingTimeInterval(delay) : nil
        while process.isRunning {
            if deadline == nil, let hasOutput, hasOutput() { deadline = Date().addingTimeInterval(delay) }
            if let deadline, Date() >= deadline { break }
            usleep(2_000)
        }
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return killed && process.terminationReason == .uncaughtSignal
    }
}
