import Foundation

/// Everything a request can fail with, each mapped to one HTTP status and one error type in one place
/// (`status`, `openAIType`, `teiType`); library errors are turned into these by `ServerError.init(_:)`.
public enum ServerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not the JSON the route expects (400).
    case malformedRequest(String)
    /// No `Authorization: Bearer …` header, or a wrong key (401).
    case unauthorized
    /// No route at this path (404).
    case unknownRoute(String)
    /// The request names a model the server does not serve (404).
    case unknownModel(name: String, served: [String])
    /// The body is larger than `--payload-limit` (413).
    case payloadTooLarge(limit: Int)
    /// One item exceeds a per-item limit, named with its value (413).
    case itemTooLarge(item: Int, what: String, limit: String)
    /// More items in one request than `--max-inputs` (413).
    case tooManyInputs(count: Int, limit: Int)
    /// Well-formed JSON whose content cannot be embedded (422).
    case invalidInput(String)
    /// More requests in flight than `--max-concurrent-requests` (429).
    case tooManyRequests(limit: Int)
    /// The models are still loading (503).
    case loading
    /// The server is shutting down (503).
    case draining
    /// The request ran longer than `--request-timeout` (503).
    case timedOut(seconds: Double)
    /// A failure that is the server's, not the request's (500).
    case internalError(String)

    /// The HTTP status of this error.
    public var status: Int {
        switch self {
        case .malformedRequest: 400
        case .unauthorized: 401
        case .unknownRoute, .unknownModel: 404
        case .payloadTooLarge, .itemTooLarge, .tooManyInputs: 413
        case .invalidInput: 422
        case .tooManyRequests: 429
        case .loading, .draining, .timedOut: 503
        case .internalError: 500
        }
    }

    /// OpenAI's `error.type`.
    public var openAIType: String {
        switch self {
        case .malformedRequest, .unknownModel, .invalidInput, .payloadTooLarge, .itemTooLarge, .tooManyInputs,
            .unknownRoute:
            "invalid_request_error"
        case .unauthorized: "authentication_error"
        case .tooManyRequests: "rate_limit_error"
        case .loading, .draining, .timedOut, .internalError: "server_error"
        }
    }

    /// A short machine-readable code (OpenAI's `error.code`).
    public var code: String {
        switch self {
        case .malformedRequest: "malformed_json"
        case .unauthorized: "invalid_api_key"
        case .unknownRoute: "unknown_route"
        case .unknownModel: "model_not_found"
        case .payloadTooLarge: "payload_too_large"
        case .itemTooLarge: "item_too_large"
        case .tooManyInputs: "too_many_inputs"
        case .invalidInput: "invalid_input"
        case .tooManyRequests: "too_many_requests"
        case .loading: "model_loading"
        case .draining: "shutting_down"
        case .timedOut: "timeout"
        case .internalError: "internal_error"
        }
    }

    /// text-embeddings-inference's `error_type`.
    public var teiType: String {
        switch self {
        case .malformedRequest, .invalidInput, .itemTooLarge, .payloadTooLarge, .tooManyInputs, .unknownModel,
            .unknownRoute:
            "Validation"
        case .unauthorized: "Unauthorized"
        case .tooManyRequests: "Overloaded"
        case .loading, .draining: "Unhealthy"
        case .timedOut, .internalError: "Backend"
        }
    }

    public var description: String {
        switch self {
        case .malformedRequest(let reason): "malformed request: \(reason)"
        case .unauthorized: "missing or wrong API key (send Authorization: Bearer KEY)"
        case .unknownRoute(let path): "no route \(path)"
        case .unknownModel(let name, let served):
            "unknown model '\(name)'; this server serves \(served.map { "'\($0)'" }.joined(separator: ", "))"
        case .payloadTooLarge(let limit): "the request body exceeds the payload limit of \(limit) bytes"
        case .itemTooLarge(let item, let what, let limit): "input \(item): \(what) exceeds the limit of \(limit)"
        case .tooManyInputs(let count, let limit):
            "\(count) inputs in one request exceed the limit of \(limit) inputs per request"
        case .invalidInput(let reason): reason
        case .tooManyRequests(let limit): "more than \(limit) concurrent requests; retry later"
        case .loading: "the models are still loading"
        case .draining: "the server is shutting down"
        case .timedOut(let seconds): "the request took longer than the \(seconds) s request timeout"
        case .internalError(let reason): "internal error: \(reason)"
        }
    }
}

extension ServerError {
    /// Classifies any error thrown while serving a request: server errors stay as they are, cancellation of a
    /// request is a timeout or a shutdown, and the library's errors about an input (decoding, tokenizing, a model
    /// without that modality) are invalid input — the request's fault, never the server's.
    public init(_ error: any Error) {
        if let error = error as? ServerError {
            self = error
        } else if error is DecodingError {
            self = .malformedRequest(Self.describe(decoding: error as! DecodingError))
        } else {
            self = .invalidInput(String(describing: error))
        }
    }

    static func describe(decoding error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "body" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing field '\(key.stringValue)'"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
