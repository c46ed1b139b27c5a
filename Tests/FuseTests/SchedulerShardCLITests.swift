import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// The main job takes its shard from the scheduler when `--shard` is not given: `JobArguments` in process, then the
/// built `fuse` binary run with a Slurm array task's and a Kubernetes pod's variables set.
@Suite("Main job: shard from the scheduler")
struct SchedulerShardCLITests {
    static let slurmLastOfThree: [String: String] = [
        "SLURM_ARRAY_JOB_ID": "41", "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3",
        "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_STEP": "1",
    ]

    @Test("list and manifest runs take the scheduler's shard; --inputs files and an explicit --shard do not")
    func argumentsTakeTheEnvironment() throws {
        let cwd = URL(fileURLWithPath: "/tmp")
        var list = JobArguments()
        list.inputsFrom = "list.txt"
        list.environment = Self.slurmLastOfThree
        #expect(try list.options(currentDirectory: cwd).shard == (try Shard("2/3")))
        #expect(try list.shardChoice().origin == .slurmArray)

        var manifest = JobArguments()
        manifest.manifest = "groups.jsonl"
        (manifest.environment, manifest.shardCount) = (["JOB_COMPLETION_INDEX": "1"], "2")
        #expect(try manifest.options(currentDirectory: cwd).shard == (try Shard("1/2")))

        var named = JobArguments()
        named.inputGroups = [["a.png", "a.wav"]]
        named.environment = Self.slurmLastOfThree
        #expect(try named.options(currentDirectory: cwd).shard == .whole)
        #expect(try named.shardChoice().origin == .whole)

        list.shard = "0/5"
        #expect(try list.options(currentDirectory: cwd).shard == (try Shard("0/5")))

        var missing = JobArguments()
        (missing.inputsFrom, missing.environment) = ("list.txt", ["JOB_COMPLETION_INDEX": "1"])
        #expect(throws: ShardEnvironmentError.countMissing(index: "JOB_COMPLETION_INDEX=1")) {
            try missing.options(currentDirectory: cwd)
        }
    }

    /// The `id` of every record in a `.jsonl` output.
    static func ids(_ url: URL) throws -> [String] {
        try JobFixtures.lines(url).compactMap { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
        }
    }

    @Test("fuse --inputs-from in a Slurm array task or Kubernetes pod embeds its shard and says where it came from")
    func binaryTakesTheEnvironment() throws {
        let binary = try FuseBinary.url()
        #expect(FileManager.default.isExecutableFile(atPath: binary.path))
        let folder = try JobFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = ["images/cat.png", "audio/cat.wav", "images/horse.png", "audio/horse.wav", "images/rocket.jpg"]
            .map { JobFixtures.sample($0).path }
        let list = folder.appendingPathComponent("list.txt")
        try JobFixtures.write(files.joined(separator: "\n") + "\n", to: list)
        let model = RuntimeFixtures.models.appendingPathComponent("meta").path
        func run(_ name: String, _ extra: [String], environment: [String: String]) throws -> (FuseBinary.Run, URL) {
            let out = folder.appendingPathComponent(name)
            let run = try FuseBinary.run(
                ["--model", model, "--quiet", "--inputs-from", list.path, "--out", out.path]
                    + extra, environment: environment)
            return (run, out)
        }

        // --array=1-3, task 3: the last of three shards, which holds position 2 (horse.png) of the five.
        let (slurm, slurmOut) = try run("slurm.jsonl", [], environment: Self.slurmLastOfThree)
        #expect(slurm.status == 0, "\(slurm.errors)")
        #expect(
            slurm.errors.contains(
                "shard 2/3 (from SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_COUNT=3, SLURM_ARRAY_TASK_MIN=1)"),
            "\(slurm.errors)")
        #expect(try Self.ids(slurmOut) == [files[2]])
        // The same shard by hand writes the same records.
        let (flag, flagOut) = try run("flag.jsonl", ["--shard", "2/3"], environment: [:])
        #expect(flag.status == 0 && flag.errors.contains("shard 2/3 (from --shard 2/3)"), "\(flag.errors)")
        #expect(try Data(contentsOf: flagOut) == Data(contentsOf: slurmOut))

        // A Kubernetes Indexed Job pod: JOB_COMPLETION_INDEX with --shard-count.
        let (pod, podOut) = try run("pod.jsonl", ["--shard-count", "2"], environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(
            pod.status == 0 && pod.errors.contains("shard 1/2 (from JOB_COMPLETION_INDEX=1, --shard-count 2)"),
            "\(pod.errors)")
        #expect(try Self.ids(podOut) == [files[1], files[3]])

        // Explicit --shard wins over the scheduler.
        let (wins, winsOut) = try run("wins.jsonl", ["--shard", "0/2"], environment: Self.slurmLastOfThree)
        #expect(wins.status == 0 && wins.errors.contains("shard 0/2 (from --shard 0/2)"), "\(wins.errors)")
        #expect(try Self.ids(winsOut) == [files[0], files[2], files[4]])

        // A pod without a count is refused before anything is written, naming the variable and the fix.
        let (refused, refusedOut) = try run("refused.jsonl", [], environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(refused.status != 0)
        #expect(
            refused.errors.contains("JOB_COMPLETION_INDEX=1") && refused.errors.contains("--shard-count"),
            "\(refused.errors)")
        #expect(!FileManager.default.fileExists(atPath: refusedOut.path))
    }
}
