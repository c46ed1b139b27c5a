/// Small SIMD kernels for the per-frame fbank loops.
enum VectorMath {
    /// Natural log of 8 positive normal floats (Cephes' `logf` polynomial, relative error < 1e-7); libm's scalar
    /// `logf` was a tenth of the fbank's time.
    @inline(__always)
    static func log(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = SIMD8<UInt32>(truncatingIfNeeded: unsafeBitCast(x, to: SIMD8<Int32>.self))
        var e = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (bits &>> 23) & 0xff) &- 126)
        var m = unsafeBitCast((bits & 0x807f_ffff) | 0x3f00_0000, to: SIMD8<Float>.self)  // [0.5, 1)
        let small = m .< 0.707106781186547524
        e = e.replacing(with: e - 1, where: small)
        m = m.replacing(with: m + m, where: small) - 1
        let z = m * m
        var y = SIMD8<Float>(repeating: 7.0376836292e-2)
        y = y * m - 1.1514610310e-1
        y = y * m + 1.1676998740e-1
        y = y * m - 1.2420140846e-1
        y = y * m + 1.4249322787e-1
        y = y * m - 1.6668057665e-1
        y = y * m + 2.0000714765e-1
        y = y * m - 2.4999993993e-1
        y = y * m + 3.3333331174e-1
        y = y * m * z
        y += e * -2.12194440e-4
        y -= z * 0.5
        return m + y + e * 0.693359375
    }

    /// Σ x[i] and Σ x[i]² over `count` floats, with eight lanes of partial sums.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count { acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
        var total = acc.sum()
        while i < count { total += x[i]; i += 1 }
        return total
    }

    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            acc.addProduct(v, v)
            i += 8
        }
        var total = acc.sum()
        while i < count { total += x[i] * x[i]; i += 1 }
        return total
    }
}
