import Foundation
import Testing
@testable import Fuse

/// `ShardEnvironment.choose`: `--shard` wins, else a Slurm array task or a Kubernetes Indexed Job pod names its
/// shard. The Slurm variables are the ones `sbatch --array=…` sets (sbatch(1), "OUTPUT ENVIRONMENT VARIABLES"); the
/// cases named after an `--array` (1-4, 0-30:10, 5-17:4, 6, 1,2,7) hold the values Slurm 22.05 set
/// for it in tools/cluster-smoke.sh's probe.
@Suite("Shard from --shard or the scheduler's environment")
struct ShardEnvironmentTests {
    /// A Slurm array task's variables.
    static func slurm(id: Int, count: Int, min: Int, max: Int, step: Int) -> [String: String] {
        [
            "SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_COUNT": "\(count)", "SLURM_ARRAY_TASK_MIN": "\(min)",
            "SLURM_ARRAY_TASK_MAX": "\(max)", "SLURM_ARRAY_TASK_STEP": "\(step)", "SLURM_ARRAY_JOB_ID": "41",
        ]
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var shard: String? = nil
        var shardCount: String? = nil
        let environment: [String: String]
        let expected: String
        var testDescription: String { name }
    }

    static let chosen: [Case] = [
        Case(
            name: "no flag, no scheduler: the whole list", environment: ["SLURM_JOB_ID": "7", "HOME": "/root"],
            expected: "the whole list (no shard given and no scheduler index)"),
        Case(
            name: "--array=0-3, task 2", environment: slurm(id: 2, count: 4, min: 0, max: 3, step: 1),
            expected: "shard 2/4 (from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4)"),
        Case(
            name: "--array=1-4, task 4 is the last shard", environment: slurm(id: 4, count: 4, min: 1, max: 4, step: 1),
            expected: "shard 3/4 (from SLURM_ARRAY_TASK_ID=4, SLURM_ARRAY_TASK_COUNT=4, SLURM_ARRAY_TASK_MIN=1)"),
        Case(
            name: "--array=1-4, task 1 is the first shard",
            environment: slurm(id: 1, count: 4, min: 1, max: 4, step: 1),
            expected: "shard 0/4 (from SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=4, SLURM_ARRAY_TASK_MIN=1)"),
        Case(
            name: "--array=0-30:10, task 20", environment: slurm(id: 20, count: 4, min: 0, max: 30, step: 10),
            expected: "shard 2/4 (from SLURM_ARRAY_TASK_ID=20, SLURM_ARRAY_TASK_COUNT=4, SLURM_ARRAY_TASK_STEP=10)"),
        Case(
            name: "--array=5-17:4, task 13", environment: slurm(id: 13, count: 4, min: 5, max: 17, step: 4),
            expected: "shard 2/4 (from SLURM_ARRAY_TASK_ID=13, SLURM_ARRAY_TASK_COUNT=4, SLURM_ARRAY_TASK_MIN=5, "
                + "SLURM_ARRAY_TASK_STEP=4)"),
        Case(
            name: "--array=6, one task", environment: slurm(id: 6, count: 1, min: 6, max: 6, step: 1),
            expected: "shard 0/1 (from SLURM_ARRAY_TASK_ID=6, SLURM_ARRAY_TASK_COUNT=1, SLURM_ARRAY_TASK_MIN=6)"),
        Case(
            name: "only the id and the count",
            environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"],
            expected: "shard 1/2 (from SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=2)"),
        Case(
            name: "no count: min and max count the tasks",
            environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3"],
            expected: "shard 2/3 (from SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=3)"),
        Case(
            name: "Slurm with an agreeing --shard-count", shardCount: "4",
            environment: slurm(id: 0, count: 4, min: 0, max: 3, step: 1),
            expected: "shard 0/4 (from SLURM_ARRAY_TASK_ID=0, SLURM_ARRAY_TASK_COUNT=4)"),
        Case(
            name: "explicit --shard wins over Slurm", shard: "1/3",
            environment: slurm(id: 2, count: 4, min: 0, max: 3, step: 1),
            expected: "shard 1/3 (from shard 1/3)"),
        Case(
            name: "explicit --shard wins over Kubernetes", shard: "0/2",
            environment: ["JOB_COMPLETION_INDEX": "5", "FUSE_SHARD_COUNT": "16"],
            expected: "shard 0/2 (from shard 0/2)"),
        Case(
            name: "--shard with an agreeing --shard-count", shard: "3/8", shardCount: "8", environment: [:],
            expected: "shard 3/8 (from shard 3/8)"),
        Case(
            name: "Kubernetes index with --shard-count", shardCount: "16", environment: ["JOB_COMPLETION_INDEX": "3"],
            expected: "shard 3/16 (from JOB_COMPLETION_INDEX=3, shardCount 16)"),
        Case(
            name: "Kubernetes index with FUSE_SHARD_COUNT",
            environment: ["JOB_COMPLETION_INDEX": "15", "FUSE_SHARD_COUNT": "16"],
            expected: "shard 15/16 (from JOB_COMPLETION_INDEX=15, FUSE_SHARD_COUNT=16)"),
        Case(
            name: "--shard-count wins over FUSE_SHARD_COUNT", shardCount: "8",
            environment: ["JOB_COMPLETION_INDEX": "3", "FUSE_SHARD_COUNT": "16"],
            expected: "shard 3/8 (from JOB_COMPLETION_INDEX=3, shardCount 8)"),
        Case(
            name: "empty variables are unset",
            environment: ["SLURM_ARRAY_TASK_ID": "", "JOB_COMPLETION_INDEX": "", "FUSE_SHARD_COUNT": "abc"],
            expected: "the whole list (no shard given and no scheduler index)"),
    ]

    @Test("chooses the shard and says where it came from", arguments: chosen)
    func chooses(_ example: Case) throws {
        let choice = try ShardEnvironment.choose(
            shard: example.shard, shardCount: example.shardCount,
            environment: example.environment)
        #expect(choice.description == example.expected)
    }

    @Test("the shard and origin behind a description")
    func shardAndOrigin() throws {
        let slurm = try ShardEnvironment.choose(
            shard: nil, shardCount: nil,
            environment: Self.slurm(id: 4, count: 4, min: 1, max: 4, step: 1))
        #expect(slurm.shard == (try Shard("3/4")) && slurm.origin == .slurmArray)
        let pod = try ShardEnvironment.choose(shard: nil, shardCount: "16", environment: ["JOB_COMPLETION_INDEX": "3"])
        #expect(pod.shard == (try Shard("3/16")) && pod.origin == .kubernetesIndexedJob)
        let flag = try ShardEnvironment.choose(shard: "1/2", shardCount: nil, environment: [:])
        #expect(flag.shard == (try Shard("1/2")) && flag.origin == .flag)
        let none = try ShardEnvironment.choose(shard: nil, shardCount: nil, environment: [:])
        #expect(none.shard == .whole && none.origin == .whole && none.settings.isEmpty)
    }

    @Test("every task of a stepped, offset array takes a different shard, together all of them")
    func arrayCoversShards() throws {
        // --array=3-45:6 → ids 3, 9, …, 45: eight tasks.
        let ids = Array(stride(from: 3, through: 45, by: 6))
        let shards = try ids.map { id in
            try ShardEnvironment.choose(
                shard: nil, shardCount: nil,
                environment: Self.slurm(id: id, count: ids.count, min: 3, max: 45, step: 6)
            ).shard
        }
        #expect(shards.map(\.index) == Array(0..<8) && shards.allSatisfy { $0.count == 8 })
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        var shard: String? = nil
        var shardCount: String? = nil
        let environment: [String: String]
        let error: ShardEnvironmentError
        /// Words the message must hold (the setting and its value, and the fix where there is one).
        let says: [String]
        var testDescription: String { name }
    }

    static let refused: [Refusal] = [
        Refusal(
            name: "a task id that is not a number",
            environment: ["SLURM_ARRAY_TASK_ID": "two", "SLURM_ARRAY_TASK_COUNT": "4"],
            error: .badNumber(setting: "SLURM_ARRAY_TASK_ID", value: "two", expected: "a whole number ≥ 0"),
            says: ["SLURM_ARRAY_TASK_ID=two", "whole number"]),
        Refusal(
            name: "a negative task id", environment: ["SLURM_ARRAY_TASK_ID": "-1", "SLURM_ARRAY_TASK_COUNT": "4"],
            error: .badNumber(setting: "SLURM_ARRAY_TASK_ID", value: "-1", expected: "a whole number ≥ 0"),
            says: ["SLURM_ARRAY_TASK_ID=-1"]),
        Refusal(
            name: "a zero count", environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "0"],
            error: .badNumber(setting: "SLURM_ARRAY_TASK_COUNT", value: "0", expected: "a whole number ≥ 1"),
            says: ["SLURM_ARRAY_TASK_COUNT=0", "≥ 1"]),
        Refusal(
            name: "a zero step", environment: slurm(id: 0, count: 4, min: 0, max: 3, step: 0),
            error: .badNumber(setting: "SLURM_ARRAY_TASK_STEP", value: "0", expected: "a whole number ≥ 1"),
            says: ["SLURM_ARRAY_TASK_STEP=0"]),
        Refusal(
            name: "a task id ≥ the count", environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"],
            error: .indexOutOfRange(settings: ["SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_COUNT=4"]),
            says: ["SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_COUNT=4", "below the shard count"]),
        Refusal(
            name: "a task id below the array's min", environment: slurm(id: 0, count: 4, min: 1, max: 4, step: 1),
            error: .taskOutsideArray(settings: [
                "SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_MIN=1",
                "SLURM_ARRAY_TASK_MAX=4", "SLURM_ARRAY_TASK_STEP=1",
            ]),
            says: ["SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=1", "not one of the array's ids"]),
        Refusal(
            name: "a task id off the step", environment: slurm(id: 5, count: 4, min: 0, max: 30, step: 10),
            error: .taskOutsideArray(settings: [
                "SLURM_ARRAY_TASK_ID=5", "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_MIN=0",
                "SLURM_ARRAY_TASK_MAX=30", "SLURM_ARRAY_TASK_STEP=10",
            ]),
            says: ["SLURM_ARRAY_TASK_ID=5", "SLURM_ARRAY_TASK_STEP=10"]),
        Refusal(
            name: "--array=1,2,7 (not a range)", environment: slurm(id: 7, count: 3, min: 1, max: 7, step: 1),
            error: .irregularArray(settings: [
                "SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_MIN=1",
                "SLURM_ARRAY_TASK_MAX=7", "SLURM_ARRAY_TASK_STEP=1",
            ]),
            says: ["SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_MAX=7", "--array=0-"]),
        Refusal(
            name: "a task id without a count", environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_JOB_ID": "41"],
            error: .slurmCountMissing(taskID: "SLURM_ARRAY_TASK_ID=2"),
            says: ["SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT"]),
        Refusal(
            name: "both a Slurm task and a Kubernetes index",
            environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "JOB_COMPLETION_INDEX": "1"],
            error: .twoSchedulers(slurm: "SLURM_ARRAY_TASK_ID=1", kubernetes: "JOB_COMPLETION_INDEX=1"),
            says: ["SLURM_ARRAY_TASK_ID=1", "JOB_COMPLETION_INDEX=1"]),
        Refusal(
            name: "a Kubernetes index without a count", environment: ["JOB_COMPLETION_INDEX": "3"],
            error: .countMissing(index: "JOB_COMPLETION_INDEX=3"),
            says: ["JOB_COMPLETION_INDEX=3", "give the shard count", "FUSE_SHARD_COUNT"]),
        Refusal(
            name: "a Kubernetes index ≥ the count", shardCount: "16", environment: ["JOB_COMPLETION_INDEX": "16"],
            error: .indexOutOfRange(settings: ["JOB_COMPLETION_INDEX=16", "shardCount 16"]),
            says: ["JOB_COMPLETION_INDEX=16", "shardCount 16"]),
        Refusal(
            name: "a Kubernetes index that is not a number", shardCount: "4",
            environment: ["JOB_COMPLETION_INDEX": "1.5"],
            error: .badNumber(setting: "JOB_COMPLETION_INDEX", value: "1.5", expected: "a whole number ≥ 0"),
            says: ["JOB_COMPLETION_INDEX=1.5"]),
        Refusal(
            name: "FUSE_SHARD_COUNT that is not a number",
            environment: ["JOB_COMPLETION_INDEX": "1", "FUSE_SHARD_COUNT": "many"],
            error: .badNumber(setting: "FUSE_SHARD_COUNT", value: "many", expected: "a whole number ≥ 1"),
            says: ["FUSE_SHARD_COUNT=many"]),
        Refusal(
            name: "--shard-count that is not a number", shardCount: "x", environment: [:],
            error: .badNumber(setting: "shardCount", value: "x", expected: "a whole number ≥ 1"),
            says: ["shardCount=x"]),
        Refusal(
            name: "--shard-count disagreeing with Slurm's count", shardCount: "8",
            environment: slurm(id: 2, count: 16, min: 0, max: 15, step: 1),
            error: .countDisagrees(
                given: "shardCount 8", other: ["SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT=16"]),
            says: ["shardCount 8", "SLURM_ARRAY_TASK_COUNT=16"]),
        Refusal(
            name: "FUSE_SHARD_COUNT disagreeing with Slurm's count",
            environment: slurm(id: 2, count: 16, min: 0, max: 15, step: 1).merging(["FUSE_SHARD_COUNT": "4"]) { $1 },
            error: .countDisagrees(
                given: "FUSE_SHARD_COUNT=4", other: ["SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT=16"]),
            says: ["FUSE_SHARD_COUNT=4", "SLURM_ARRAY_TASK_COUNT=16"]),
        Refusal(
            name: "--shard-count disagreeing with --shard", shard: "1/4", shardCount: "8", environment: [:],
            error: .countDisagrees(given: "shardCount 8", other: ["shard 1/4"]),
            says: ["shardCount 8", "shard 1/4"]),
        Refusal(
            name: "--shard-count without an index", shardCount: "4", environment: ["FUSE_SHARD_COUNT": "4"],
            error: .countWithoutIndex(count: "shardCount 4"),
            says: ["shardCount 4", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]),
    ]

    @Test("inconsistent or malformed settings are refused, naming each", arguments: refused)
    func refuses(_ example: Refusal) throws {
        let error = #expect(throws: ShardEnvironmentError.self) {
            try ShardEnvironment.choose(
                shard: example.shard, shardCount: example.shardCount,
                environment: example.environment)
        }
        #expect(error == example.error)
        let message = error?.description ?? ""
        for word in example.says { #expect(message.contains(word), "\(message)") }
    }

    @Test("the caller names the explicit settings (the CLI: its flags); the scheduler's variables keep theirs")
    func settingNames() throws {
        let flags = ShardSettingNames(shard: "--shard", shardCount: "--shard-count")
        let pod = try ShardEnvironment.choose(
            shard: nil, shardCount: "2", environment: ["JOB_COMPLETION_INDEX": "1"],
            names: flags)
        #expect(pod.description == "shard 1/2 (from JOB_COMPLETION_INDEX=1, --shard-count 2)")
        #expect(throws: ShardEnvironmentError.countDisagrees(given: "--shard-count 8", other: ["--shard 1/4"])) {
            try ShardEnvironment.choose(shard: "1/4", shardCount: "8", environment: [:], names: flags)
        }
    }

    @Test("library messages name no CLI flag")
    func noFlags() {
        for example in Self.refused {
            #expect(!example.error.description.contains("--shard"), "\(example.error)")
        }
    }

    @Test("a malformed --shard is still the list reader's error, scheduler or not")
    func badShardFlag() {
        #expect(throws: InputListError.badShard("4/4")) {
            try ShardEnvironment.choose(
                shard: "4/4", shardCount: nil,
                environment: Self.slurm(id: 0, count: 4, min: 0, max: 3, step: 1))
        }
    }
}
