import Foundation
import FuseCore
import Testing

/// The integer and boolean checks every JSON loader shares, on numbers as `JSONSerialization` parses them.
@Suite struct JSONNumberTests {
    private func parsed(_ json: String) throws -> [Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
    }

    @Test func wholeNumbersWithinTwoToThe53AreExact() throws {
        let values = try parsed("[0, 7, -3, 4.0, 1e15, 9007199254740992, -9007199254740992]")
        #expect(
            values.map(JSONNumber.exactInteger) == [
                0, 7, -3, 4, 1_000_000_000_000_000,
                9_007_199_254_740_992, -9_007_199_254_740_992,
            ])
    }

    @Test func fractionsBooleansStringsAndLargerMagnitudesAreRefused() throws {
        // 2⁵³ + 1 is parsed exactly as an Int64 but its double rounds to 2⁵³: it must not come back as 2⁵³.
        let values = try parsed(
            #"[2.5, true, false, "12", null, 9007199254740993, 1e19, -1e300, 18446744073709551615]"#)
        for value in values {
            #expect(JSONNumber.exactInteger(value) == nil, "\(value)")
        }
    }

    @Test func booleansAreNotTheNumbersZeroAndOne() throws {
        let values = try parsed("[true, false, 1, 0]")
        #expect(values.map(JSONNumber.isBoolean) == [true, true, false, false])
        #expect(JSONNumber.isBoolean("true") == false)
    }

    @Test func elementCountsOverflowAndNegativeDimensionsAreNil() {
        #expect(Tensor.elementCount(ofShape: []) == 1)
        #expect(Tensor.elementCount(ofShape: [2, 0, 5]) == 0)
        #expect(Tensor.elementCount(ofShape: [384, 1536]) == 589_824)
        #expect(Tensor.elementCount(ofShape: [1 << 32, 1 << 32]) == nil)
        #expect(Tensor.elementCount(ofShape: [4, -1]) == nil)
    }
}
