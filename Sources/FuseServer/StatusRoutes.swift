import Foundation
import Hummingbird

/// `GET /health` (200 once every model is loaded, 503 while loading or draining), `GET /info` (the served models
/// and limits, in TEI's field names) and `GET /metrics` (Prometheus text).
struct StatusRoutes: Sendable {
    let pool: ModelPool
    let metrics: ServerMetrics
    let limits: ServerConfiguration.Limits

    struct ModelInfo: Encodable {
        let name: String
        let modelType: String
        let modalities: [String]
        let dimension: Int
        let maxInputLength: Int?
        enum CodingKeys: String, CodingKey {
            case name, modalities, dimension
            case modelType = "model_type", maxInputLength = "max_input_length"
        }
    }

    struct Info: Encodable {
        let modelID: String
        let modelDtype = "float32"
        let models: [ModelInfo]
        let maxConcurrentRequests: Int
        let maxInputLength: Int?
        let maxBatchTokens: Int
        let maxBatchRequests: Int
        let maxClientBatchSize: Int
        let version: String
        enum CodingKeys: String, CodingKey {
            case models, version
            case modelID = "model_id", modelDtype = "model_dtype"
            case maxConcurrentRequests = "max_concurrent_requests", maxInputLength = "max_input_length"
            case maxBatchTokens = "max_batch_tokens", maxBatchRequests = "max_batch_requests"
            case maxClientBatchSize = "max_client_batch_size"
        }
    }

    func health() throws -> Response {
        switch pool.phase {
        case .ready:
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        case .loading: throw ServerError.loading
        case .draining: throw ServerError.draining
        case .failed: throw ServerError.internalError(pool.loadFailure ?? "model loading failed")
        }
    }

    func info() throws -> Response {
        _ = try pool.model(named: nil)
        let models = pool.loaded.map { served in
            ModelInfo(
                name: served.name, modelType: served.runtime.model.modelType,
                modalities: served.runtime.model.modalities.map(\.name),
                dimension: served.runtime.model.embeddingDimension, maxInputLength: served.maxTextTokens)
        }
        return try JSONBody.response(
            Info(
                modelID: pool.names[0], models: models, maxConcurrentRequests: limits.maxConcurrentRequests,
                maxInputLength: models.first?.maxInputLength, maxBatchTokens: limits.maxBatchTokens,
                maxBatchRequests: limits.maxBatchRequests, maxClientBatchSize: limits.maxInputs,
                version: FuseServer.version))
    }

    func metricsText() -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
    }
}
