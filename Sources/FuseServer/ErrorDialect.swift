import Foundation
import Hummingbird

/// Which API's error shape a path answers in: OpenAI's `{"error": {"message", "type", "code"}}` on `/v1/…` and
/// `/embeddings`, text-embeddings-inference's `{"error", "error_type"}` on TEI's routes.
enum ErrorDialect {
    case openAI, tei

    init(path: String) {
        self = path.hasPrefix("/v1/") || path == "/embeddings" ? .openAI : .tei
    }

    /// The response for `error` in this dialect: the one place a failure becomes a status and a body.
    func response(for error: ServerError) -> Response {
        let body: [String: Any]
        switch self {
        case .openAI:
            body = ["error": ["message": error.description, "type": error.openAIType, "code": error.code]]
        case .tei:
            body = ["error": error.description, "error_type": error.teiType]
        }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json"]
        if case .unauthorized = error { headers[.wwwAuthenticate] = "Bearer" }
        return Response(
            status: .init(code: error.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ServerError {
    /// Also classifies the HTTP layer's own errors (no route, body over the limit).
    init(http error: any Error, path: String, payloadLimit: Int) {
        if let error = error as? any HTTPResponseError {
            switch error.status.code {
            case 404: self = .unknownRoute(path)
            case 405: self = .unknownRoute(path)
            case 413: self = .payloadTooLarge(limit: payloadLimit)
            default: self = .malformedRequest("\(error)")
            }
        } else {
            self.init(error)
        }
    }
}
