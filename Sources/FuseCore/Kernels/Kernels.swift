import CFuseDNNL
import CFuseKernels
import CBLAS
import Foundation

/// Fuse's numeric kernels: BLAS-backed matrix products and the element-wise and row-wise operations transformer
/// models need (bias add, normalisation, softmax, activations, attention).
///
/// Every kernel works on raw, contiguous, row-major Float32 buffers so model code can chain them over one scratch
/// allocation without per-call allocation. `Tensor`-level conveniences live in `TensorKernels.swift`.
public enum Kernels {}

extension Kernels {
    /// The number of threads one BLAS call uses outside single-threaded sections (process-wide).
    public static var blasThreads: Int { BLASGate.shared.configuredThreads }

    /// Sets the number of threads one BLAS call uses (process-wide: OpenBLAS keeps a single pool).
    public static func setBLASThreads(_ count: Int) {
        configureBLASOnce()
        BLASGate.shared.setThreads(max(1, count))
    }

    /// Which build of Fuse's own C kernels (fused attention, int8/bf16 element-wise work) runs on this CPU:
    /// 2 = AVX-512, 1 = AVX2 + FMA, 0 = baseline x86-64.
    public static var vectorLevel: Int { Int(fuse_vector_level()) }

    /// Runs `body` with those kernels capped at build `level` (tests of the narrower builds on a wider CPU). The cap is
    /// process-wide: other threads meanwhile also run the narrower build, which computes the same arithmetic but may
    /// round a multiply-add differently (fused or not). Calls never overlap, so code that compares bits across runs
    /// pins the level for its duration with `withVectorLevelCap(vectorLevel)`.
    public static func withVectorLevelCap<R>(_ level: Int, _ body: () throws -> R) rethrows -> R {
        vectorCapLock.lock()
        defer { fuse_vector_level_cap(2); vectorCapLock.unlock() }
        fuse_vector_level_cap(Int32(level))
        return try body()
    }

    private static let vectorCapLock = NSLock()

    /// Sets how many threads the reduced-precision kernels (oneDNN) use for calls made from the calling thread; code
    /// that spreads independent work over the cores itself sets 1 in each worker, and `coreCount` when done (the
    /// worker threads are reused). Without it, every worker's call would start a team of `coreCount` threads.
    public static func setReducedPrecisionThreadsForCallingThread(_ count: Int) {
        _ = fuse_dnnl_set_calling_thread_count(Int32(max(1, count)))
    }

    /// Runs `body` with BLAS single-threaded, for code that spreads many small products over the cores itself
    /// (attention heads, independent chunks). Sections may nest and overlap across threads; BLAS returns to
    /// `blasThreads` when the last one ends. Multi-threaded BLAS calls made through `Kernels` are serialised
    /// (each already uses every core): OpenBLAS slows down ~20× when several multi-threaded calls run at once.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        configureBLASOnce()
        BLASGate.shared.enterSingleThreaded()
        defer { BLASGate.shared.leaveSingleThreaded() }
        return try body()
    }

    /// Makes OpenBLAS's idle workers sleep soon after each call instead of spinning for ~0.1 s, which would steal
    /// the cores from the Swift work (softmax, activations, tokenisation) that runs between BLAS calls.
    ///
    /// OpenBLAS reads `OPENBLAS_THREAD_TIMEOUT` once, when it is loaded — before any Swift code runs. The variable is
    /// set while the program loads (`openblas_environment.c`: setting it later, with other threads reading the
    /// environment, is unsafe); here OpenBLAS is asked to re-read its environment and its pool is shut down, so the
    /// next BLAS call starts a new pool that uses the short timeout. Called lazily by the BLAS-backed kernels.
    public static func configureBLASOnce() {
        _ = blasConfigured
    }

    private static let blasConfigured: Bool = {
        openblas_read_env()
        blas_thread_shutdown_()
        return true
    }()
}

/// Process-wide coordination of OpenBLAS's one thread pool: serialises multi-threaded calls, and switches to
/// single-threaded BLAS while any `withSingleThreadedBLAS` section runs.
final class BLASGate: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `state`.
    static let shared = BLASGate()

    private let state = NSLock()
    /// Held for the duration of each multi-threaded BLAS call.
    private let multiThreadedCall = NSLock()
    private var threads = Kernels.coreCount
    private var sections = 0

    var configuredThreads: Int { state.withLock { threads } }

    func setThreads(_ count: Int) {
        state.withLock {
            threads = count
            if sections == 0 { multiThreadedCall.withLock { openblas_set_num_threads(Int32(count)) } }
        }
    }

    func enterSingleThreaded() {
        state.withLock {
            sections += 1
            if sections == 1, threads > 1 {
                // Let an in-flight multi-threaded call finish before shrinking the pool under it.
                multiThreadedCall.withLock { openblas_set_num_threads(1) }
            }
        }
    }

    func leaveSingleThreaded() {
        state.withLock {
            sections -= 1
            if sections == 0, threads > 1 { openblas_set_num_threads(Int32(threads)) }
        }
    }

    /// Runs one BLAS call: directly when BLAS is single-threaded, else one multi-threaded call at a time.
    func call(_ body: () -> Void) {
        let concurrentOK = state.withLock { sections > 0 || threads == 1 }
        if concurrentOK {
            body()
        } else {
            multiThreadedCall.withLock(body)
        }
    }
}
