/// SplitMix64 (Steele, Lea & Flood, 2014): a tiny seeded generator, so sampling and synthetic benchmark data are
/// reproducible across runs and platforms (Swift's own generator is neither seedable nor stable).
public struct SplitMix64: Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in [-1, 1), 24 random bits.
    public mutating func nextSymmetric() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
