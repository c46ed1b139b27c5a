import FuseCore
import Testing

@testable import FuseNER

/// Window plans of long texts: every word covered, windows within both limits (words and sub-tokens), consecutive
/// windows sharing the overlap, and a word too long for any window named.
@Suite struct TextWindowsTests {
    @Test(arguments: [(40, 5, 10_000), (40, 5, 60), (24, 3, 31), (7, 0, 9)])
    func windowsRespectBothLimits(maxWords: Int, overlap: Int, budget: Int) throws {
        var generator = SplitMix64(seed: UInt64(maxWords * 1000 + budget))
        let pieces = (0..<500).map { _ in [Int32](repeating: 7, count: 1 + Int(generator.next() % 4)) }
        let windows = try TextWindows.plan(pieces: pieces, maxWords: maxWords, tokenBudget: budget, overlap: overlap)
        #expect(windows.first?.lowerBound == 0 && windows.last?.upperBound == pieces.count)
        for window in windows {
            #expect(window.count <= maxWords && !window.isEmpty)
            #expect(pieces[window].reduce(0) { $0 + $1.count } <= budget)
        }
        for (previous, next) in zip(windows, windows.dropFirst()) {
            #expect(next.lowerBound == max(previous.upperBound - overlap, previous.lowerBound + 1))
            #expect(next.upperBound > previous.upperBound)
        }
        // Full windows: each stops only at a limit (the word count, or the next word's tokens).
        for window in windows.dropLast() {
            let tokens = pieces[window].reduce(0) { $0 + $1.count }
            #expect(window.count == maxWords || tokens + pieces[window.upperBound].count > budget)
        }
    }

    @Test func aWordLongerThanTheBudgetIsNamed() {
        let pieces: [[Int32]] = [[1], [2, 3], [Int32](repeating: 4, count: 12), [5]]
        #expect(throws: NERError.wordTooLong(index: 2, word: "", tokens: 12, limit: 10)) {
            try TextWindows.plan(pieces: pieces, maxWords: 8, tokenBudget: 10, overlap: 1)
        }
    }

}
