import Foundation
import FuseCore
import Hummingbird

/// Reading a request's JSON body within the payload limit, and writing JSON responses.
enum JSONBody {
    /// Collects at most `limit` bytes (413 beyond: checked against Content-Length first, then while reading) and
    /// decodes them as `T`. Syntax errors are 400; well-formed JSON of the wrong shape is 422.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        try decode(T.self, from: try await collect(request, limit: limit))
    }

    /// The body's bytes, at most `limit` of them (413 beyond: checked against Content-Length first, then while
    /// reading).
    static func collect(_ request: Request, limit: Int) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ServerError.payloadTooLarge(limit: limit)
        }
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limit) } catch {
            let classified = ServerError(http: error, path: request.uri.path, payloadLimit: limit)
            if case .payloadTooLarge = classified { throw classified }
            // The client stopped sending (a closed connection mid-body): the request is malformed, not its content.
            throw ServerError.malformedRequest("the body could not be read: \(error)")
        }
        return Data(buffer.readableBytesView)
    }

    /// Decodes a body as `T`: empty or not JSON is 400 (`malformedRequest`), JSON of the wrong shape 422.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard !data.isEmpty else { throw ServerError.malformedRequest("empty body; expected a JSON object") }
        do {
            return try JSONErrorReason.decode(T.self, from: data)
        } catch let syntax as JSONErrorReason.SyntaxError {
            throw ServerError.malformedRequest("the body is not valid JSON: \(syntax)")
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw ServerError.malformedRequest("the body is not valid JSON: \(context.debugDescription)")
            }
            throw ServerError.invalidInput(ServerError.describe(decoding: error))
        }
    }

    /// A 200 response with `value` as JSON.
    static func response(_ value: some Encodable) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
