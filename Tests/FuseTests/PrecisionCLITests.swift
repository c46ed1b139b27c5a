import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// `--precision` through the built binary: an unknown name is a usage error naming the known ones; bf16 on a CPU
/// without bf16 kernels (oneDNN capped to AVX2 here) runs the exact path and says so, never an illegal instruction;
/// a `.jsonl` written in one precision is not resumed in another.
@Suite("fuse CLI: --precision")
struct PrecisionCLITests {
    static let cat = JobFixtures.sample("text/cat.txt").path
    static let model = RuntimeFixtures.models.appendingPathComponent("meta").path

    @Test("an unknown precision is refused with the known ones")
    func unknownPrecision() throws {
        for command in [
            ["embed", "--model", Self.model, "--inputs", Self.cat], ["--model", Self.model, "--inputs", Self.cat],
        ] {
            let run = try FuseBinary.run(command + ["--precision", "fp16"])
            #expect(run.status != 0 && run.errors.contains("fp32, bf16, int8, auto"), "\(run.errors)")
        }
    }

    @Test("bf16 without bf16 kernels falls back to fp32, says so, and gives the fp32 vectors")
    func bf16Fallback() throws {
        let folder = try JobFixtures.folder()
        let exact = folder.appendingPathComponent("fp32.npy"), fallback = folder.appendingPathComponent("bf16.npy")
        let base = ["embed", "--model", Self.model, "--inputs", Self.cat, JobFixtures.sample("images/cat.png").path]
        #expect(try FuseBinary.run(base + ["--out", exact.path]).status == 0)
        let run = try FuseBinary.run(
            base + ["--out", fallback.path, "--precision", "bf16"],
            environment: ["ONEDNN_MAX_CPU_ISA": "AVX2"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("bf16 is not available on this CPU (avx2)") && run.errors.contains("running fp32"))
        #expect(try Data(contentsOf: fallback) == Data(contentsOf: exact))
    }

    @Test("int8 and auto run and stay close to fp32; a .jsonl is not resumed in another precision")
    func int8RunsAndResumeRefusesOtherPrecision() throws {
        let folder = try JobFixtures.folder()
        let out = folder.appendingPathComponent("out.jsonl")
        let base = ["--model", Self.model, "--inputs", Self.cat, JobFixtures.sample("images/cat.png").path, "--quiet"]
        let first = try FuseBinary.run(base + ["--out", out.path, "--precision", "int8"])
        #expect(first.status == 0, "\(first.errors)")
        let line = try JobFixtures.lines(out)[0]
        #expect(line.contains("\"precision\":\"int8\""))
        let again = try FuseBinary.run(base + ["--out", out.path, "--resume"])
        #expect(
            again.status != 0 && again.errors.contains("precision 'int8' there, 'fp32' in this run"), "\(again.errors)")
        let auto = try FuseBinary.run(base + ["--precision", "auto"])
        #expect(auto.status == 0, "\(auto.errors)")
    }
}
