import Foundation
import FuseCore
import Testing

/// `Tensor.spilledToTemporaryFile`: the same values from a file mapping whose pages can be released and read back.
@Suite struct TensorSpillTests {
    @Test(arguments: [[1], [3, 5], [1031, 7]])
    func valuesSurviveSpillAndRelease(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { Float($0) * 0.37 - 11 }
        let tensor = try Tensor(shape: shape, values: values)
        let spilled = try #require(tensor.spilledToTemporaryFile())
        #expect(spilled.shape == shape)
        #expect(spilled.scalars == values)
        #expect(!spilled.storage.isWritable)  // a read-only mapping, not an owned copy
        spilled.storage.releaseResidentPages(offset: 0, count: count)
        #expect(spilled.scalars == values)  // read back from the (unlinked) file
    }
}
