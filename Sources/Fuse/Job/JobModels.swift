import Foundation
import FuseCore

/// The models a job embeds with: one model for every modality, or — `fuse --model-for audio=DIR` — other models for
/// some modalities (a HuBERT for sounds beside a text model for texts).
///
/// Different models' vectors live in different spaces: only `--fusion none` (each input its own vector) and late
/// fusion by `concat` (the vectors side by side, with or without a projection) combine them; early fusion and the
/// other late-fusion strategies are refused by `check(_:)` before anything is embedded.
public struct JobModels: Sendable {
    /// The model of every modality without an override (and of early fusion).
    public let primary: FuseRuntime
    /// Other models by modality.
    public let overrides: [Modality: FuseRuntime]

    public init(primary: FuseRuntime, overrides: [Modality: FuseRuntime] = [:]) {
        self.primary = primary
        self.overrides = overrides
    }

    /// The runtime that embeds inputs of `modality`.
    public func runtime(for modality: Modality) -> FuseRuntime { overrides[modality] ?? primary }

    /// The overriding modalities in name order.
    public var overriddenModalities: [Modality] { overrides.keys.sorted { $0.name < $1.name } }

    /// Refuses options that would mix the spaces of different models: early fusion, late fusion other than concat,
    /// and a heat map of unfused outputs (it compares every output with every other).
    public func check(_ options: JobOptions) throws {
        guard let modality = overriddenModalities.first else { return }
        let name = runtime(for: modality).model.id
        switch options.fusion {
        case .none:
            if options.plot != nil {
                throw JobError.severalModels(modality: modality.name, model: name, fusion: "a similarity heat map")
            }
        case .early:
            throw JobError.severalModels(modality: modality.name, model: name, fusion: "early fusion")
        case .late:
            if case .concat = options.strategy { return }
            throw JobError.severalModels(
                modality: modality.name, model: name, fusion: "late fusion by \(options.strategy.name)")
        }
    }
}
