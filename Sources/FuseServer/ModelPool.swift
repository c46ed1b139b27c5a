import Foundation
import Fuse
import Logging

/// The served models and the server's phase: loading (until every model is loaded), ready, or draining (after
/// SIGTERM/SIGINT). Requests ask it for a model by name; `/health` asks it for the phase.
public final class ModelPool: @unchecked Sendable {
    /// Where the server is in its life.
    public enum Phase: String, Sendable {
        case loading, ready, draining, failed
    }

    /// The model names in `--model` order (the first is the default).
    public let names: [String]
    // Guarded by `lock`.
    private let lock = NSLock()
    private var models: [String: ServedModel] = [:]
    private var currentPhase = Phase.loading
    private var failure: String?

    init(names: [String]) { self.names = names }

    public var phase: Phase { lock.withLock { currentPhase } }
    /// Why loading failed, when it did.
    public var loadFailure: String? { lock.withLock { failure } }

    /// The loaded models, in `--model` order.
    public var loaded: [ServedModel] { lock.withLock { names.compactMap { models[$0] } } }

    func add(_ model: ServedModel) { lock.withLock { models[model.name] = model } }

    func markReady() { lock.withLock { if currentPhase == .loading { currentPhase = .ready } } }
    func markDraining() { lock.withLock { currentPhase = .draining } }
    func markFailed(_ reason: String) {
        lock.withLock {
            currentPhase = .failed
            failure = reason
        }
    }

    /// The model a request asks for (`nil` or empty: the first one), or the error that explains why there is none.
    /// While draining, requests already accepted are still served (in-flight work finishes).
    public func model(named name: String?) throws -> ServedModel {
        try lock.withLock {
            switch currentPhase {
            case .loading: throw ServerError.loading
            case .failed: throw ServerError.internalError(failure ?? "model loading failed")
            case .ready, .draining: break
            }
            let wanted = (name?.isEmpty ?? true) ? names[0] : name!
            guard let model = models[wanted] else { throw ServerError.unknownModel(name: wanted, served: names) }
            return model
        }
    }
}
