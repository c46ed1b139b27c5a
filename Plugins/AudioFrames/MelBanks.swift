import Foundation

/// Kaldi's triangular mel filters (`get_mel_banks`), stored sparsely: each bin's weights over the FFT bins it
/// touches. The Nyquist bin always has weight 0 (torchaudio pads the bank with a zero column).
struct MelBanks: Sendable {
    /// First FFT bin of each mel bin's non-zero span.
    let start: [Int]
    /// Weights of each mel bin's span.
    let weights: [[Float]]

    init(options o: FbankOptions) {
        let numFFTBins = o.paddedWindowSize / 2
        let nyquist = 0.5 * o.sampleFrequency
        let highFreq = o.highFreq <= 0 ? o.highFreq + nyquist : o.highFreq
        let fftBinWidth = o.sampleFrequency / Double(o.paddedWindowSize)
        let melLow = Self.mel(o.lowFreq), melHigh = Self.mel(highFreq)
        let delta = (melHigh - melLow) / Double(o.numMelBins + 1)
        let vtlnHigh = o.vtlnHigh < 0 ? o.vtlnHigh + nyquist : o.vtlnHigh
        let warp: (Double) -> Double = { m in
            guard o.vtlnWarp != 1 else { return m }
            return Self.mel(
                Self.vtlnWarpFreq(
                    low: o.vtlnLow, high: vtlnHigh, lowFreq: o.lowFreq,
                    highFreq: highFreq, factor: o.vtlnWarp, freq: Self.inverseMel(m)))
        }
        let fftMel = (0..<numFFTBins).map { Self.mel(fftBinWidth * Double($0)) }
        var start: [Int] = [], weights: [[Float]] = []
        for b in 0..<o.numMelBins {
            let left = warp(melLow + Double(b) * delta)
            let center = warp(melLow + Double(b + 1) * delta)
            let right = warp(melLow + Double(b + 2) * delta)
            var row = [Float](repeating: 0, count: numFFTBins)
            for k in 0..<numFFTBins {
                let m = fftMel[k]
                let up = (m - left) / (center - left), down = (right - m) / (right - center)
                if o.vtlnWarp == 1 {
                    row[k] = Float(max(0, min(up, down)))
                } else if m > left, m <= center {
                    row[k] = Float(up)
                } else if m > center, m < right {
                    row[k] = Float(down)
                }
            }
            let first = row.firstIndex { $0 != 0 } ?? 0
            let last = row.lastIndex { $0 != 0 } ?? -1
            start.append(first)
            weights.append(last >= first ? Array(row[first...last]) : [])
        }
        self.start = start
        self.weights = weights
    }

    static func mel(_ freq: Double) -> Double { 1127 * log(1 + freq / 700) }
    static func inverseMel(_ mel: Double) -> Double { 700 * (exp(mel / 1127) - 1) }

    /// Kaldi's piecewise-linear VTLN warp (`vtln_warp_freq`).
    static func vtlnWarpFreq(
        low: Double, high: Double, lowFreq: Double, highFreq: Double, factor: Double,
        freq: Double
    ) -> Double {
        if freq < lowFreq || freq > highFreq { return freq }
        let l = low * max(1, factor), h = high * min(1, factor)
        let scale = 1 / factor
        let fl = scale * l, fh = scale * h
        if freq < l { return lowFreq + (fl - lowFreq) / (l - lowFreq) * (freq - lowFreq) }
        if freq < h { return scale * freq }
        return highFreq + (highFreq - fh) / (highFreq - h) * (freq - highFreq)
    }
}

/// Kaldi's analysis windows (`_feature_window_function`), symmetric (`periodic=False`).
enum FeatureWindow {
    static func make(_ type: FbankOptions.WindowType, size n: Int, blackmanCoeff: Double) -> [Float] {
        let a = 2 * Double.pi / Double(n - 1)
        return (0..<n).map { i in
            let x = Double(i)
            switch type {
            case .hanning: return Float(0.5 - 0.5 * cos(a * x))
            case .hamming: return Float(0.54 - 0.46 * cos(a * x))
            case .povey: return Float(pow(0.5 - 0.5 * cos(a * x), 0.85))
            case .rectangular: return 1
            case .blackman:
                return Float(blackmanCoeff - 0.5 * cos(a * x) + (0.5 - blackmanCoeff) * cos(2 * a * x))
            }
        }
    }
}

extension MelBanks {
    /// The banks for `options`, built once per distinct options and then shared: a recipe's fbank is rebuilt for
    /// every file, and the banks are the costly part of building it (exp/log per FFT bin and mel bin).
    static func shared(for options: FbankOptions) -> MelBanks { MelBankCache.shared.banks(for: options) }
}

/// A small process-wide cache of mel banks keyed by their options; safe to use from many tasks.
final class MelBankCache: @unchecked Sendable {
    static let shared = MelBankCache()
    /// Distinct option sets kept; past this the cache starts over (models use one or two).
    static let limit = 16
    private let lock = NSLock()
    private var entries: [FbankOptions: MelBanks] = [:]

    func banks(for options: FbankOptions) -> MelBanks {
        lock.lock()
        let cached = entries[options]
        lock.unlock()
        if let cached { return cached }
        let banks = MelBanks(options: options)
        lock.lock()
        if entries.count >= Self.limit { entries.removeAll() }
        entries[options] = banks
        lock.unlock()
        return banks
    }
}
