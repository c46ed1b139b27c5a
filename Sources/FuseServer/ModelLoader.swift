import Foundation
import Fuse
import Logging
import ServiceLifecycle

/// Loads the models once the server is listening (so `/health` can answer 503 meanwhile), marks the pool ready,
/// then waits for graceful shutdown and marks it draining. A model that fails to load stops the server with the
/// reason, since a server missing a model it was asked for would answer 404 for it forever.
struct ModelLoader: Service {
    let specs: [ModelSpec]
    let pool: ModelPool
    let metrics: ServerMetrics
    let limits: ServerConfiguration.Limits
    let precision: Precision
    let audio: ServedAudio
    /// Caption banks given by name (`ServerConfiguration.captionBanks`).
    let captionBanks: [String: URL]
    /// Awaited before loading (`ServerConfiguration.loadGate`).
    let gate: (@Sendable () async -> Void)?
    let logger: Logger

    func run() async throws {
        if let gate { await gate() }
        for spec in specs {
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            let start = ContinuousClock.now
            do {
                let metrics = self.metrics, limits = self.limits, precision = self.precision, audio = self.audio
                let given = captionBanks[spec.name]
                let (model, speechNote) = try await FuseRoutes.offPool {
                    let folder = try spec.resolve()
                    let speech = try audio.speech(forModelIn: folder)
                    let runtime = try FuseRuntime(modelDirectory: folder, precision: precision, speech: speech.model)
                    let bank = given ?? ServerConfiguration.captionBank(in: folder)
                    let served = try ServedModel(
                        name: spec.name, runtime: runtime, limits: limits,
                        captionBank: bank
                    ) { report in
                        metrics.recordBatch(model: spec.name, report)
                    }
                    return (served, speech.note)
                }
                pool.add(model)
                let seconds = String(format: "%.2f", (ContinuousClock.now - start).seconds)
                let what = model.runtime.model.modalities.map(\.name).joined(separator: "+")
                logger.info(
                    "loaded model '\(spec.name)' (\(model.runtime.model.modelType), \(what), dim \(model.runtime.model.embeddingDimension), \(model.runtime.model.precision)) in \(seconds) s"
                )
                if let note = model.runtime.model.precisionNote { logger.notice("model '\(spec.name)': \(note)") }
                if let speech = model.runtime.speech {
                    logger.info(
                        "model '\(spec.name)': sounds as text by \(speech.whisper.folder.lastPathComponent)")
                }
                if let speechNote { logger.notice("model '\(spec.name)': \(speechNote)") }
            } catch {
                let failure = ServeSetupError.modelLoadFailed(name: spec.name, reason: "\(error)")
                pool.markFailed(failure.description)
                throw failure
            }
        }
        if !Task.isShuttingDownGracefully { pool.markReady() }
        try? await gracefulShutdown()
        pool.markDraining()
        logger.info("shutting down: no new connections; finishing the requests in flight")
    }
}
