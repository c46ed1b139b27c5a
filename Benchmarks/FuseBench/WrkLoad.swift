import Foundation

/// Load from wrk (Debian's `wrk`), a separate process on loopback: `connections` keep-alive connections POSTing
/// JSON bodies (cycled) for `seconds`. Reports requests/s, latency percentiles and non-2xx answers.
struct WrkLoad {
    struct Result {
        let requestsPerSecond: Double
        let p50Milliseconds: Double
        let p99Milliseconds: Double
        let non2xx: Int
        let socketErrors: String?
    }

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") }

    let port: Int
    let path: String
    let bodies: [String]

    func run(connections: Int, seconds: Int, threads: Int = 2) throws -> Result {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fuse-bench-wrk-\(UUID().uuidString).lua")
        defer { try? FileManager.default.removeItem(at: script) }
        let quoted = bodies.map { "[==[" + $0 + "]==]" }.joined(separator: ",\n")
        try """
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        local bodies = {\(quoted)}
        local i = 0
        request = function()
          i = i % #bodies + 1
          return wrk.format(nil, nil, nil, bodies[i])
        end
        """.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        process.arguments = [
            "-t\(min(threads, connections))", "-c\(connections)", "-d\(seconds)s", "--latency",
            "--timeout", "30s", "-s", script.path, "http://127.0.0.1:\(port)\(path)",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Self.parse(text)
    }

    static func parse(_ text: String) -> Result {
        var rate = 0.0, p50 = 0.0, p99 = 0.0, non2xx = 0
        var errors: String?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), let value = fields.last.flatMap({ Double($0) }) { rate = value }
            if line.hasPrefix("50%"), let value = fields.last { p50 = milliseconds(String(value)) }
            if line.hasPrefix("99%"), let value = fields.last { p99 = milliseconds(String(value)) }
            if line.hasPrefix("Non-2xx"), let value = fields.last.flatMap({ Int($0) }) { non2xx = value }
            if line.hasPrefix("Socket errors") { errors = line }
        }
        return Result(
            requestsPerSecond: rate, p50Milliseconds: p50, p99Milliseconds: p99, non2xx: non2xx,
            socketErrors: errors)
    }

    /// wrk's "1.23ms", "850.00us", "1.02s" in milliseconds.
    static func milliseconds(_ value: String) -> Double {
        if value.hasSuffix("us") { return (Double(value.dropLast(2)) ?? 0) / 1000 }
        if value.hasSuffix("ms") { return Double(value.dropLast(2)) ?? 0 }
        if value.hasSuffix("m") { return (Double(value.dropLast()) ?? 0) * 60_000 }
        if value.hasSuffix("s") { return (Double(value.dropLast()) ?? 0) * 1000 }
        return Double(value) ?? 0
    }
}
