import AsyncHTTPClient
import Foundation
import FuseCore
import NIOCore
import NIOHTTP1

/// One answer of the Hub (headers read, body not yet), with the URL that produced it after redirects.
struct HubResponse {
    var response: HTTPClientResponse
    var url: URL

    var status: Int { Int(response.status.code) }
    func header(_ name: String) -> String? { response.headers.first(name: name) }
}

/// What a request is about, so an error status becomes the right `HubError`.
enum HubRequestSubject: Sendable {
    case repository(String, revision: String)
    case file(String, revision: String, path: String)
}

/// The Hub's HTTP conventions over AsyncHTTPClient: the bearer token goes to the endpoint's host only; redirects
/// are followed here (not by the client) so a relative redirect keeps the token and a cross-host one (to the CDN)
/// drops it; error statuses become `HubError`s from `X-Error-Code` / `X-Error-Message` (as `hf_raise_for_status`).
struct HubHTTP: Sendable {
    let client: HTTPClient
    let environment: HubEnvironment
    /// The longest a request may wait for its headers (the body is streamed under the client's read timeout).
    var headerTimeout: TimeAmount = .seconds(60)

    static let maximumRedirects = 10

    /// Sends `method` to `url`; `followAbsoluteRedirects: false` stops at a redirect to another host and returns
    /// that 3xx answer (as `get_hf_file_metadata` does: its `Location` is where the bytes live).
    func send(
        _ method: HTTPMethod, _ url: URL, headers extra: [(String, String)] = [], subject: HubRequestSubject,
        followAbsoluteRedirects: Bool
    ) async throws -> HubResponse {
        var current = url
        for _ in 0...Self.maximumRedirects {
            var request = HTTPClientRequest(url: current.absoluteString)
            request.method = method
            request.headers.add(name: "User-Agent", value: "fuse-hub/1 (+huggingface_hub-compatible)")
            request.headers.add(name: "Accept-Encoding", value: "identity")
            for (name, value) in extra { request.headers.add(name: name, value: value) }
            if let token = environment.token, current.host == environment.endpoint.host,
                current.port == environment.endpoint.port
            {
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: headerTimeout)
            } catch {
                throw HubError.transport(url: current.absoluteString, reason: Self.describe(error))
            }
            let answer = HubResponse(response: response, url: current)
            guard (300..<400).contains(answer.status), answer.status != 304 else {
                guard (200..<300).contains(answer.status) else {
                    throw await error(for: answer, method: method, subject: subject)
                }
                return answer
            }
            guard let location = answer.header("Location"),
                let next = URL(string: location, relativeTo: current)?
                    .absoluteURL
            else {
                throw HubError.badRedirect(
                    url: current.absoluteString, reason: "HTTP \(answer.status) without a Location")
            }
            let relative = !location.contains("://")
            if !relative && !followAbsoluteRedirects { return answer }
            current = next
        }
        throw HubError.badRedirect(url: url.absoluteString, reason: "more than \(Self.maximumRedirects) redirects")
    }

    /// The whole body of a small answer (JSON), at most `limit` bytes.
    static func body(of answer: HubResponse, limit: Int = 64 << 20) async throws -> Data {
        do {
            var buffer = try await answer.response.body.collect(upTo: limit)
            return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            throw HubError.transport(url: answer.url.absoluteString, reason: describe(error))
        }
    }

    /// The `HubError` for a non-2xx answer, in `hf_raise_for_status`'s order: the error code first, then the status.
    func error(for answer: HubResponse, method: HTTPMethod, subject: HubRequestSubject) async -> HubError {
        let code = answer.header("X-Error-Code") ?? ""
        var message = answer.header("X-Error-Message") ?? ""
        if message.isEmpty, method != .HEAD, let data = try? await Self.body(of: answer, limit: 64 << 10) {
            struct Body: Decodable { var error: String? }
            message =
                (try? JSONErrorReason.decode(Body.self, from: data).error)
                ?? String(decoding: data.prefix(300), as: UTF8.self)
        }
        if message.isEmpty { message = "HTTP \(answer.status) from \(answer.url.absoluteString)" }
        let repository: String, revision: String, file: String?
        switch subject {
        case .repository(let r, let rev): (repository, revision, file) = (r, rev, nil)
        case .file(let r, let rev, let path): (repository, revision, file) = (r, rev, path)
        }
        switch (code, answer.status) {
        case ("RepoNotFound", _):
            return .repositoryNotFound(repository: repository, message: message)
        case ("RevisionNotFound", _):
            return .revisionNotFound(repository: repository, revision: revision, message: message)
        case ("EntryNotFound", _):
            return .entryNotFound(repository: repository, revision: revision, file: file ?? "?", message: message)
        case ("GatedRepo", _), (_, 401), (_, 403):
            return .accessDenied(
                repository: repository, status: answer.status, tokenSent: environment.token != nil,
                message: message)
        case (_, 404):
            if let file {
                return .entryNotFound(repository: repository, revision: revision, file: file, message: message)
            }
            return .repositoryNotFound(repository: repository, message: message)
        default:
            return .httpStatus(url: answer.url.absoluteString, status: answer.status, message: message)
        }
    }

    /// A transport error in words (AsyncHTTPClient's errors print as their case names).
    static func describe(_ error: any Error) -> String {
        "cannot reach the Hub (\(error))"
    }
}
