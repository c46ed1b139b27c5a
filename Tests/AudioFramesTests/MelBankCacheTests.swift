import Testing
@testable import AudioFrames

/// The shared mel banks are the banks built from the same options, and different options get their own.
@Suite struct MelBankCacheTests {
    @Test func sharedBanksEqualFreshOnes() {
        for bins in [23, 80, 128] {
            var options = FbankOptions()
            options.numMelBins = bins
            let fresh = MelBanks(options: options)
            let first = MelBanks.shared(for: options), second = MelBanks.shared(for: options)
            #expect(first.start == fresh.start && first.weights == fresh.weights)
            #expect(second.start == fresh.start && second.weights == fresh.weights)
            #expect(first.weights.count == bins)
        }
    }

    @Test func startsOverPastItsLimit() {
        let cache = MelBankCache()
        for bins in 10..<(10 + MelBankCache.limit + 3) {
            var options = FbankOptions()
            options.numMelBins = bins
            #expect(cache.banks(for: options).weights.count == bins)
        }
    }
}
