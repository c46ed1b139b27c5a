import Foundation
import FuseCore
import FuseTestSupport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A Hugging Face Hub on 127.0.0.1 that speaks the protocol `huggingface_hub` uses, for the download tests:
///
/// - `GET /api/models/{org}/{name}/revision/{rev}` → `{"id", "sha", "siblings": [{"rfilename"}]}`;
/// - `HEAD|GET /{org}/{name}/resolve/{rev}/{file…}` → a non-LFS file inline (`ETag`, `X-Repo-Commit`), an LFS file
///   as a 302 to `http://localhost:{port}/cdn/{org}--{name}/{sha256}` (another host name, as the real CDN is) with
///   `X-Linked-Etag`, `X-Linked-Size`;
/// - `GET /cdn/{org}--{name}/{sha256}` with `Range: bytes=N-` (206 + `Content-Range`);
/// - 404 with `X-Error-Code: RepoNotFound | RevisionNotFound | EntryNotFound` and `X-Error-Message`, 401
///   `GatedRepo` without the right token;
/// - faults: a CDN answer cut after half its bytes (once per blob), a blob served with wrong bytes.
final class LoopbackHub: @unchecked Sendable {
    struct File: Sendable {
        var path: String
        var content: Data
        var lfs: Bool
        /// Bytes the CDN sends instead of `content` (same length): a corrupt blob.
        var served: Data?
        var sha256: String { var h = SHA256(); h.update(content); return h.finalizeHex() }
        /// A stand-in for the git blob id (40 hex), stable for a content.
        var gitETag: String { String(sha256.prefix(40)) }
    }

    struct Repository: Sendable {
        var id: String
        var commit: String
        /// Branch and tag names → commit.
        var refs: [String: String]
        var files: [File]
        var gatedToken: String?
        /// Listed in `siblings` but answered 404 `EntryNotFound` on resolve.
        var missing: Set<String> = []
    }

    struct LoggedRequest: Sendable {
        var method: String
        var path: String
        var host: String?
        var range: String?
        var authorization: String?
    }

    let port: Int
    private let task: Task<Void, any Error>
    private let lock = NSLock()
    private var repositories: [String: Repository]
    private var cutOnce: Set<String> = []
    private var log: [LoggedRequest] = []

    var endpoint: String { "http://127.0.0.1:\(port)" }

    var requests: [LoggedRequest] { lock.withLock { log } }

    /// Cut the CDN answer for `sha256` after half its bytes, the next time it is asked for from offset 0.
    func cutNextDownload(of sha256: String) { lock.withLock { _ = cutOnce.insert(sha256) } }

    private init(port: Int, task: Task<Void, any Error>, repositories: [Repository]) {
        self.port = port
        self.task = task
        self.repositories = Dictionary(uniqueKeysWithValues: repositories.map { ($0.id, $0) })
    }

    static func start(_ repositories: [Repository]) async throws -> LoopbackHub {
        let holder = Holder()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let router = Router()
        router.get("/api/models/:org/:name/revision/:rev") { request, context in
            try await holder.hub().revision(request, context)
        }
        router.on("/:org/:name/resolve/:rev/**", method: .head) { request, context in
            try await holder.hub().resolve(request, context, head: true)
        }
        router.get("/:org/:name/resolve/:rev/**") { request, context in
            try await holder.hub().resolve(request, context, head: false)
        }
        router.get("/cdn/:repo/:sha") { request, context in try await holder.hub().cdn(request, context) }
        var logger = Logger(label: "loopback-hub")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "hub"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        // Off the cooperative pool: suites running beside this one may hold both of its threads for minutes.
        let task = Task(executorPreference: DedicatedThreadExecutor.servers) {
            try await app.runService(gracefulShutdownSignals: [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let hub = LoopbackHub(port: port, task: task, repositories: repositories)
        holder.set(hub)
        return hub
    }

    func stop() { task.cancel() }

    // MARK: routes

    private func record(_ request: Request, path: String) {
        let entry = LoggedRequest(
            method: request.method.rawValue, path: path,
            host: request.head.authority, range: request.headers[.range],
            authorization: request.headers[.authorization])
        lock.withLock { log.append(entry) }
    }

    private func error(_ status: HTTPResponse.Status, code: String?, message: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let code { headers[HTTPField.Name("X-Error-Code")!] = code }
        headers[HTTPField.Name("X-Error-Message")!] = message
        let body = try! JSONSerialization.data(withJSONObject: ["error": message])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The repository and commit a request names, or the Hub's error answer.
    private func locate(_ request: Request, _ context: BasicRequestContext) -> Result<(Repository, String), ErrorAnswer>
    {
        let id = "\(context.parameters.get("org") ?? "")/\(context.parameters.get("name") ?? "")"
        let revision = (context.parameters.get("rev") ?? "").removingPercentEncoding ?? ""
        guard let repository = lock.withLock({ repositories[id] }) else {
            return .failure(
                ErrorAnswer(
                    response: error(
                        .notFound, code: "RepoNotFound",
                        message: "Repository Not Found for url: \(endpoint)\(request.uri.path).")))
        }
        if let token = repository.gatedToken, request.headers[.authorization] != "Bearer \(token)" {
            return .failure(
                ErrorAnswer(
                    response: error(
                        .unauthorized, code: "GatedRepo",
                        message: "Access to model \(id) is restricted. You must have access to it and be authenticated "
                            + "to access it. Please log in.")))
        }
        guard let commit = repository.refs[revision] ?? (revision == repository.commit ? revision : nil) else {
            return .failure(
                ErrorAnswer(
                    response: error(
                        .notFound, code: "RevisionNotFound",
                        message: "Invalid rev id: \(revision)")))
        }
        return .success((repository, commit))
    }

    struct ErrorAnswer: Error { var response: Response }

    private func revision(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        record(request, path: request.uri.path)
        switch locate(request, context) {
        case .failure(let answer): return answer.response
        case .success(let (repository, commit)):
            let body: [String: Any] = [
                "id": repository.id, "sha": commit,
                "siblings": repository.files.map { ["rfilename": $0.path] },
            ]
            let data = try JSONSerialization.data(withJSONObject: body)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    private func resolve(_ request: Request, _ context: BasicRequestContext, head: Bool) async throws -> Response {
        record(request, path: request.uri.path)
        let (repository, commit): (Repository, String)
        switch locate(request, context) {
        case .failure(let answer): return answer.response
        case .success(let found): (repository, commit) = found
        }
        let path = context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? String($0) }
            .joined(separator: "/")
        guard let file = repository.files.first(where: { $0.path == path }), !repository.missing.contains(path) else {
            return error(.notFound, code: "EntryNotFound", message: "\(path) does not exist on \"\(commit)\"")
        }
        var headers: HTTPFields = [:]
        headers[HTTPField.Name("X-Repo-Commit")!] = commit
        if file.lfs {
            headers[.eTag] = "\"\(file.gitETag)\""
            headers[HTTPField.Name("X-Linked-Etag")!] = "\"\(file.sha256)\""
            headers[HTTPField.Name("X-Linked-Size")!] = "\(file.content.count)"
            headers[.location] =
                "http://localhost:\(port)/cdn/\(repository.id.replacingOccurrences(of: "/", with: "--"))/\(file.sha256)"
            headers[.contentLength] = "0"
            return Response(status: .found, headers: headers, body: .init())
        }
        headers[.eTag] = "\"\(file.gitETag)\""
        headers[.contentLength] = "\(file.content.count)"
        return Response(
            status: .ok, headers: headers,
            body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: file.content)))
    }

    private func cdn(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        record(request, path: request.uri.path)
        let sha = context.parameters.get("sha") ?? ""
        let id = (context.parameters.get("repo") ?? "").replacingOccurrences(of: "--", with: "/")
        let files = lock.withLock { repositories[id]?.files ?? [] }
        guard let file = files.first(where: { $0.lfs && $0.sha256 == sha }) else {
            return Response(status: .notFound)
        }
        let bytes = file.served ?? file.content
        var start = 0
        if let range = request.headers[.range], range.hasPrefix("bytes="), range.hasSuffix("-"),
            let from = Int(range.dropFirst(6).dropLast())
        {
            guard from < bytes.count else {
                return Response(status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(bytes.count)"])
            }
            start = from
        }
        let body = Data(bytes[start...])
        let cut = start == 0 && lock.withLock { cutOnce.remove(sha) != nil }
        var headers: HTTPFields = [.contentType: "application/octet-stream"]
        if start > 0 { headers[.contentRange] = "bytes \(start)-\(bytes.count - 1)/\(bytes.count)" }
        let responseBody = ResponseBody(contentLength: body.count) { writer in
            if cut {
                try await writer.write(ByteBuffer(bytes: body.prefix(body.count / 2)))
                throw CancellationError()  // the connection closes mid-body
            }
            try await writer.write(ByteBuffer(bytes: body))
            try await writer.finish(nil)
        }
        return Response(status: start > 0 ? .partialContent : .ok, headers: headers, body: responseBody)
    }
}

/// Lets the routes reach the hub object created after the server reported its port.
private final class Holder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: LoopbackHub?
    func set(_ hub: LoopbackHub) { lock.withLock { value = hub } }
    func hub() throws -> LoopbackHub {
        guard let hub = lock.withLock({ value }) else { throw HTTPError(.serviceUnavailable) }
        return hub
    }
}
