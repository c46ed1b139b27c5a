import AsyncHTTPClient
import Foundation
import FuseCore

/// A repository at one revision as `GET /api/models/{repo}/revision/{revision}` describes it: the commit the
/// revision names and the paths of its files (`siblings[].rfilename`).
public struct HubRepositoryInfo: Sendable, Equatable {
    /// The 40-hex commit (`sha`).
    public var commit: String
    /// Every file of the repository at that commit, as paths relative to its root.
    public var files: [String]

    public init(commit: String, files: [String]) {
        self.commit = commit
        self.files = files
    }

    /// The Hub's answer for `repository` at `revision`.
    static func fetch(_ repository: String, revision: String, http: HubHTTP) async throws -> HubRepositoryInfo {
        let url = HubURLs.revisionAPI(endpoint: http.environment.endpoint, repository: repository, revision: revision)
        let answer = try await http.send(
            .GET, url, subject: .repository(repository, revision: revision),
            followAbsoluteRedirects: true)
        let data = try await HubHTTP.body(of: answer)
        struct Sibling: Decodable { var rfilename: String }
        struct Body: Decodable { var sha: String?; var siblings: [Sibling]? }
        let body: Body
        do {
            body = try JSONErrorReason.decode(Body.self, from: data)
        } catch {
            throw HubError.malformedResponse(url: url.absoluteString, reason: JSONErrorReason.describe(error, in: data))
        }
        guard let commit = body.sha, HubURLs.isCommitHash(commit) else {
            throw HubError.malformedResponse(url: url.absoluteString, reason: "no commit hash (`sha`)")
        }
        guard let siblings = body.siblings else {
            throw HubError.malformedResponse(url: url.absoluteString, reason: "no file list (`siblings`)")
        }
        let files = try siblings.map(\.rfilename).map { path in
            guard HubURLs.isSafeRelativePath(path) else {
                throw HubError.malformedResponse(url: url.absoluteString, reason: "unsafe file path '\(path)'")
            }
            return path
        }
        return HubRepositoryInfo(commit: commit, files: files)
    }
}

/// The Hub's URL shapes (`huggingface_hub`'s `hf_hub_url` and `repo_info`).
enum HubURLs {
    /// Everything but unreserved characters escaped: Python's `quote(revision, safe="")`.
    static let pathSegment = CharacterSet(
        charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    /// `quote(filename)`: as above, but `/` kept.
    static let filePath = pathSegment.union(CharacterSet(charactersIn: "/"))

    static func revisionAPI(endpoint: URL, repository: String, revision: String) -> URL {
        URL(
            string: endpoint.absoluteString + "/api/models/\(repository)/revision/"
                + (revision.addingPercentEncoding(withAllowedCharacters: pathSegment) ?? revision))!
    }

    static func resolve(endpoint: URL, repository: String, revision: String, file: String) -> URL {
        URL(
            string: endpoint.absoluteString + "/\(repository)/resolve/"
                + (revision.addingPercentEncoding(withAllowedCharacters: pathSegment) ?? revision) + "/"
                + (file.addingPercentEncoding(withAllowedCharacters: filePath) ?? file))!
    }

    /// 40 lowercase hex digits (`REGEX_COMMIT_HASH`).
    static func isCommitHash(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// A repository path that stays inside the snapshot folder: relative, no `.`/`..` or empty components.
    static func isSafeRelativePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.isEmpty && !path.hasPrefix("/") && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
            && !path.contains("\0")
    }

    /// An ETag as a file name: `W/` and quotes dropped (`_normalize_etag`); nil when it could escape `blobs/`.
    static func normalizeETag(_ header: String?) -> String? {
        guard var value = header?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if value.hasPrefix("W/") { value.removeFirst(2) }
        value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard !value.isEmpty, !value.contains("/"), value != ".", value != "..", !value.contains("\0") else {
            return nil
        }
        return value
    }
}
