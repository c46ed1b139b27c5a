import Foundation

/// Kaldi fbank frames eight at a time, one frame per SIMD lane (see `LaneFFT`): the same steps, in the same order,
/// as `KaldiFbank.computeFrame`, which remains the path for FFT sizes that are not powers of two.
extension KaldiFbank {
    /// Computes frames `first ..< first + count` (`count` ≤ 8) into rows `rows`, `rows + featureCount`, ….
    func computeLaneGroup(
        first: Int, count: Int, signal: UnsafeBufferPointer<Float>, signalOffset: Int,
        fft: LaneFFT, scratch: LaneScratch, rows: UnsafeMutablePointer<Float>
    ) {
        let o = options
        let size = o.windowSize, padded = o.paddedWindowSize, bins = padded / 2
        let lanes = UnsafeMutableRawPointer(scratch.samples).assumingMemoryBound(to: Float.self)
        // Gather: lane l of samples[j] is sample j of frame first + l (frames past `count` are silent).
        for lane in 0..<8 {
            guard lane < count else {
                for j in 0..<size { lanes[j * 8 + lane] = 0 }
                continue
            }
            fillFrame(first + lane, signal: signal, signalOffset: signalOffset, into: scratch.frame)
            if o.dither != 0 {
                scratch.addDither(seed: o.ditherSeed, frame: first + lane, scale: Float(o.dither), count: size)
            }
            for j in 0..<size { lanes[j * 8 + lane] = scratch.frame[j] }
        }
        let x = scratch.samples
        if o.removeDcOffset {
            var sum = SIMD8<Float>()
            for j in 0..<size { sum += x[j] }
            let mean = sum / Float(size)
            for j in 0..<size { x[j] -= mean }
        }
        var energy = SIMD8<Float>()
        if o.rawEnergy { for j in 0..<size { energy.addProduct(x[j], x[j]) } }
        // Pre-emphasis and window, written straight into the FFT's bit-reversed input slots.
        let re = scratch.re, im = scratch.im
        let c = Float(o.preemphasisCoefficient)
        window.withUnsafeBufferPointer { w in
            var previous = x[0]
            for j in 0..<size {
                let value = (x[j] - c * previous) * w[j]
                previous = x[j]
                if !o.rawEnergy { energy.addProduct(value, value) }
                if j & 1 == 0 { re[fft.slot(ofSample: j)] = value } else { im[fft.slot(ofSample: j)] = value }
            }
        }
        for j in size..<padded {
            if j & 1 == 0 { re[fft.slot(ofSample: j)] = .zero } else { im[fft.slot(ofSample: j)] = .zero }
        }
        let power = scratch.power
        fft.powerSpectrum(re: re, im: im, power: power)
        if !o.usePower { for k in 0...bins { power[k] = power[k].squareRoot() } }

        let melOffset = o.useEnergy && !o.htkCompat ? 1 : 0
        let width = o.featureCount
        let epsilon = SIMD8<Float>(repeating: Self.epsilon)
        for b in 0..<o.numMelBins {
            var sum = SIMD8<Float>()
            banks.weights[b].withUnsafeBufferPointer { w in
                let p = power + banks.start[b]
                for k in 0..<w.count { sum.addProduct(SIMD8(repeating: w[k]), p[k]) }
            }
            let value = o.useLogFbank ? VectorMath.log(sum.replacing(with: epsilon, where: sum .< epsilon)) : sum
            for lane in 0..<count { rows[lane * width + melOffset + b] = value[lane] }
        }
        if o.useEnergy {
            let column = o.htkCompat ? o.numMelBins : 0
            for lane in 0..<count {
                let value = log(max(energy[lane], Self.epsilon))
                rows[lane * width + column] = o.energyFloor == 0 ? value : max(value, Float(log(o.energyFloor)))
            }
        }
    }
}

/// Per-task buffers of the lane path: one frame's samples (for gathering and dither), the lane-major signal, the
/// FFT's real/imaginary halves and the power spectrum.
final class LaneScratch {
    let frame: UnsafeMutablePointer<Float>
    let samples: UnsafeMutablePointer<SIMD8<Float>>
    let re, im, power: UnsafeMutablePointer<SIMD8<Float>>

    init(windowSize: Int, paddedSize: Int) {
        frame = .allocate(capacity: windowSize)
        samples = .allocate(capacity: windowSize)
        re = .allocate(capacity: paddedSize / 2)
        im = .allocate(capacity: paddedSize / 2)
        power = .allocate(capacity: paddedSize / 2 + 1)
    }

    deinit {
        frame.deallocate()
        samples.deallocate()
        re.deallocate()
        im.deallocate()
        power.deallocate()
    }

    func addDither(seed: UInt64, frame index: Int, scale: Float, count: Int) {
        FrameDither.add(seed: seed, frame: index, scale: scale, count: count, to: frame)
    }
}
