extension Kernels {
    /// Adds `bias` (length `columns`) to every row of the row-major `rows × columns` matrix `x`, in place.
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        for row in 0..<rows {
            let line = x + row * columns
            for column in 0..<columns { line[column] += bias[column] }
        }
    }

    /// Adds `other` element-wise into `x` (`x += other`) over `count` elements: the residual connection.
    public static func add(_ x: UnsafeMutablePointer<Float>, _ other: UnsafePointer<Float>, count: Int) {
        for index in 0..<count { x[index] += other[index] }
    }

    /// Multiplies `count` elements of `x` by `factor`, in place.
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for index in 0..<count { x[index] *= factor }
    }
}
