import FuseCore

/// A one-line, human-readable account of a decoded sample (for `fuse plugins decode`).
public enum SampleSummary {
    /// E.g. `tabular features [5, 4]: 5.1 3.5 1.4 0.2 …`.
    public static func describe(_ sample: Sample, preview: Int = 8) -> String {
        switch sample {
        case .text(let text):
            return "text, \(text.unicodeScalars.count) characters: \(String(text.prefix(60)).debugDescription)"
        case .image(let image):
            return "image \(image.width)×\(image.height) RGB"
        case .audio(let audio):
            return "audio, \(audio.samples.count) samples at \(audio.sampleRate) Hz"
        case .features(let tensor, let modality):
            let head = tensor.withUnsafeBufferPointer { $0.prefix(preview).map { "\($0)" } }
            return "\(modality) features \(tensor.shape): " + head.joined(separator: " ")
                + (tensor.count > preview ? " …" : "")
        case .ids(let ids, let modality):
            return "\(modality) ids [\(ids.count)]: " + ids.prefix(preview).map(String.init).joined(separator: " ")
                + (ids.count > preview ? " …" : "")
        }
    }
}
