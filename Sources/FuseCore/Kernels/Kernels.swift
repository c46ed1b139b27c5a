import CBLAS
import Foundation

/// Fuse's numeric kernels: BLAS-backed matrix products and the element-wise and row-wise operations transformer
/// models need (bias add, normalisation, softmax, activations, attention).
///
/// Every kernel works on raw, contiguous, row-major Float32 buffers so model code can chain them over one scratch
/// allocation without per-call allocation. `Tensor`-level conveniences live in `Tensor+Kernels.swift`.
public enum Kernels {}

extension Kernels {
    /// The number of threads the BLAS library uses for one call (process-wide).
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads the BLAS library uses for one call. The setting is process-wide: OpenBLAS keeps a
    /// single thread pool. Use 1 when many tasks call BLAS at once, the core count when one caller does the work.
    public static func setBLASThreads(_ count: Int) {
        configureBLASOnce()
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// Makes OpenBLAS's idle workers sleep soon after each call instead of spinning for ~0.1 s, which would steal
    /// the cores from the Swift work (softmax, activations, tokenisation) that runs between BLAS calls.
    ///
    /// OpenBLAS reads `OPENBLAS_THREAD_TIMEOUT` once, when it is loaded — before any Swift code runs. So the variable is
    /// set here (unless the user set it), OpenBLAS is asked to re-read its environment, and its pool is shut down; the
    /// next BLAS call starts a new pool that uses the short timeout. Called lazily by the BLAS-backed kernels.
    public static func configureBLASOnce() {
        _ = blasConfigured
    }

    private static let blasConfigured: Bool = {
        if ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] == nil {
            // 2^4 cycles: the minimum OpenBLAS accepts. Waking a sleeping worker costs a few microseconds, far less
            // than the BLAS calls Fuse makes.
            setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0)
            openblas_read_env()
            blas_thread_shutdown_()
        }
        return true
    }()
}
