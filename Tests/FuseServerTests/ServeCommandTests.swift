import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import FuseServer
import FuseTestSupport
import Testing

/// `fuse serve` as a user runs it: the binary, SIGTERM while requests are in flight, and /v1/describe.
@Suite("fuse serve (the binary)")
struct ServeCommandTests {
    /// Starts `fuse serve ARGS --port 0` and returns the process and the port it printed.
    static func launch(_ arguments: [String]) throws -> (Process, Int, Pipe) {
        let process = Process()
        process.executableURL = try FuseBinary.url()
        process.arguments = ["serve", "--port", "0", "--quiet"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
            let text = String(decoding: seen, as: UTF8.self)
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = Int(text[range].split(separator: ":").last ?? "") ?? 0
                return (process, port, errors)
            }
        }
        process.terminate()
        throw ServerError.internalError("fuse serve did not report its port: \(String(decoding: seen, as: UTF8.self))")
    }

    static func post(port: Int, path: String, json: Any) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        let (data, response) = try await TestServer.session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    @Test("SIGTERM with requests in flight: every one is answered 200, then the process exits 0")
    func sigtermDrains() async throws {
        // A generous drain bound: on a loaded machine a debug build may need many seconds for the six requests.
        let (process, port, _) = try Self.launch(["--model", TestServer.miniLM, "--shutdown-timeout", "300"])
        defer { if process.isRunning { process.terminate() } }
        var health = 0
        for _ in 0..<600 where health != 200 {
            health =
                (try? await TestServer.session.data(from: URL(string: "http://127.0.0.1:\(port)/health")!))
                .flatMap { ($0.1 as? HTTPURLResponse)?.statusCode } ?? 0
            if health != 200 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(health == 200)
        let batch = (0..<16).map { "In-flight sentence \($0) must still be embedded after SIGTERM arrives." }
        let statuses = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<6 {
                group.addTask {
                    let (status, data) = try await Self.post(port: port, path: "/v1/embeddings", json: ["input": batch])
                    let count =
                        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["data"]
                        .flatMap { $0 as? [Any] }?.count ?? 0
                    return (status, count)
                }
            }
            // SIGTERM once all six are inside the server (the in-flight gauge counts this /metrics request too).
            let metrics = URL(string: "http://127.0.0.1:\(port)/metrics")!
            for _ in 0..<400 {
                let text =
                    (try? await TestServer.session.data(from: metrics)).map { String(decoding: $0.0, as: UTF8.self) }
                    ?? ""
                let line = text.split(separator: "\n").first { $0.hasPrefix("fuse_requests_in_flight ") }
                if let value = line?.split(separator: " ").last.flatMap({ Double($0) }), value >= 7 { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            kill(process.processIdentifier, SIGTERM)
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.count == 6)
        #expect(statuses.allSatisfy { $0 == (200, 16) }, "\(statuses)")
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test("a model that does not exist stops fuse serve with its name and a non-zero status")
    func missingModel() throws {
        let run = try FuseBinary.run(["serve", "--port", "0", "--model", "ghost=/nonexistent/model"])
        #expect(run.status != 0)
        #expect(run.errors.contains("ghost"))
    }

    @Test("/v1/describe gives LENS tags and a prompt for an image data URI")
    func describe() async throws {
        let server = try await TestServer.shared.value
        let image = try dataURI(
            TestServer.repository.appendingPathComponent("samples/images/cat.png").path,
            mime: "image/png")
        let reply = try await server.post(
            "/v1/describe",
            json: [
                "model": "fuse-mini", "input": image,
                "question": "What is shown?",
            ])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect((reply.object["tags"] as? [[String: Any]])?.isEmpty == false)
        #expect((reply.object["prompt"] as? String)?.contains("What is shown?") == true)
        let bad = try await server.post("/v1/describe", json: ["model": "fuse-mini", "input": "/etc/hosts"])
        #expect(bad.status == 422)
    }
}
