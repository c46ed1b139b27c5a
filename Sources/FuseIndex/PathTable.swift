/// Many paths in one UTF-8 buffer with an end offset each: at 10⁶ rows one `String` per path would cost ~50 bytes of
/// heap (an allocation per path longer than 15 bytes) beside the vector it names; this costs its bytes plus 8.
struct PathTable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    var count: Int { ends.count }

    mutating func reserve(_ paths: Int) {
        ends.reserveCapacity(paths)
        bytes.reserveCapacity(paths * 48)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes)
        ends.append(self.bytes.count)
    }

    subscript(index: Int) -> String {
        let start = index == 0 ? 0 : ends[index - 1]
        return String(decoding: bytes[start..<ends[index]], as: UTF8.self)
    }
}
