import Foundation
import FuseCore
import FuseModels

/// Where and how to reach the Hub, read from the same environment variables `huggingface_hub` reads:
/// `HF_ENDPOINT` (default `https://huggingface.co`), `HF_TOKEN` else the token file (`HF_TOKEN_PATH`, else
/// `$HF_HOME/token`, else `$XDG_CACHE_HOME/huggingface/token`, else `~/.cache/huggingface/token`), `HF_HUB_OFFLINE`
/// (or `TRANSFORMERS_OFFLINE`; `1`, `ON`, `YES`, `TRUE`), and the cache (`HF_HUB_CACHE`, `HF_HOME`, … as
/// `HuggingFaceCache` reads them).
public struct HubEnvironment: Sendable {
    /// The Hub's base URL, without a trailing `/`.
    public var endpoint: URL
    /// Sent as `Authorization: Bearer …` to the endpoint's host (never to the CDN a download redirects to).
    public var token: String?
    /// When true, nothing touches the network.
    public var offline: Bool
    /// The cache downloads go into.
    public var cache: HuggingFaceCache

    public static let defaultEndpoint = "https://huggingface.co"

    /// Values given directly (tests, embedders). `endpoint` must be an absolute http(s) URL.
    public init(
        endpoint: String = defaultEndpoint, token: String? = nil, offline: Bool = false,
        cache: HuggingFaceCache
    ) throws {
        self.endpoint = try Self.parseEndpoint(endpoint)
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.offline = offline
        self.cache = cache
    }

    /// The values `huggingface_hub` would use with `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        let cache = HuggingFaceCache(environment: environment)
        var token = value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN")
        if token == nil, let text = try? FileContents.utf8String(at: Self.tokenFile(environment: environment)) {
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try self.init(
            endpoint: value("HF_ENDPOINT") ?? Self.defaultEndpoint, token: token,
            offline: Self.isTrue(value("HF_HUB_OFFLINE") ?? value("TRANSFORMERS_OFFLINE")), cache: cache)
    }

    /// `huggingface_hub`'s truth test for flags: `1`, `ON`, `YES`, `TRUE`, any case.
    public static func isTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "ON", "YES", "TRUE"].contains(value.uppercased())
    }

    /// The token file `huggingface-cli login` writes.
    public static func tokenFile(environment: [String: String]) -> URL {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let path = value("HF_TOKEN_PATH") { return URL(fileURLWithPath: path) }
        if let home = value("HF_HOME") { return URL(fileURLWithPath: home).appendingPathComponent("token") }
        let cache =
            value("XDG_CACHE_HOME").map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: value("HOME") ?? NSHomeDirectory()).appendingPathComponent(".cache")
        return cache.appendingPathComponent("huggingface/token")
    }

    /// An absolute http(s) URL with a host; a trailing `/` is dropped (as `huggingface_hub` does).
    static func parseEndpoint(_ text: String) throws -> URL {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw HubError.invalidEndpoint(text)
        }
        return url
    }
}
