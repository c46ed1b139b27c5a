import Foundation

/// A run's shard and where it came from: `--shard`, a scheduler's environment, or nowhere (the whole list).
public struct ShardChoice: Sendable, Equatable, CustomStringConvertible {
    /// What chose the shard.
    public enum Origin: Sendable, Equatable {
        /// Neither an explicit shard nor a scheduler's index: the whole list.
        case whole
        /// A shard given explicitly (`I/N`; the CLI's `--shard`).
        case flag
        /// A Slurm job array task (`SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_COUNT`).
        case slurmArray
        /// A Kubernetes Indexed Job pod (`JOB_COMPLETION_INDEX` with a given shard count or `FUSE_SHARD_COUNT`).
        case kubernetesIndexedJob
    }

    public let shard: Shard
    public let origin: Origin
    /// The settings the shard was taken from, as given: `SLURM_ARRAY_TASK_ID=2`, `shardCount 16`, … (explicit
    /// settings under the caller's `ShardSettingNames`).
    public let settings: [String]

    public init(shard: Shard, origin: Origin, settings: [String]) {
        self.shard = shard
        self.origin = origin
        self.settings = settings
    }

    /// E.g. `shard 2/4 (from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4)`.
    public var description: String {
        origin == .whole
            ? "the whole list (no shard given and no scheduler index)"
            : "shard \(shard.index)/\(shard.count) (from \(settings.joined(separator: ", ")))"
    }
}

/// Inconsistent or malformed shard settings, naming each setting and its value.
public enum ShardEnvironmentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting that must be a whole number in a range is not one (`expected` says which range).
    case badNumber(setting: String, value: String, expected: String)
    /// Both a Slurm array task id and a Kubernetes completion index are set: which one names this task is unclear.
    case twoSchedulers(slurm: String, kubernetes: String)
    /// `JOB_COMPLETION_INDEX` gives this pod's index but nothing gives the number of shards.
    case countMissing(index: String)
    /// `SLURM_ARRAY_TASK_ID` without `SLURM_ARRAY_TASK_COUNT` (or `…_MIN`/`…_MAX` to count from).
    case slurmCountMissing(taskID: String)
    /// The array's min, max and step describe a different number of tasks than its count: not an evenly spaced
    /// range (e.g. `--array=1,2,7`), so task ids do not map onto 0 … N−1.
    case irregularArray(settings: [String])
    /// The task id is not one of the array's ids (below the min, above the max, or off the step).
    case taskOutsideArray(settings: [String])
    /// The index is not below the shard count.
    case indexOutOfRange(settings: [String])
    /// A shard count given by the user disagrees with the scheduler's or the explicit shard's.
    case countDisagrees(given: String, other: [String])
    /// A given shard count without an index to go with it.
    case countWithoutIndex(count: String)

    public var description: String {
        switch self {
        case .badNumber(let setting, let value, let expected):
            return "\(setting)=\(value): expected \(expected)"
        case .twoSchedulers(let slurm, let kubernetes):
            return "both \(slurm) and \(kubernetes) are set, so which one numbers this task is unclear"
        case .countMissing(let index):
            return "\(index) gives this task's shard index but not the number of shards: give the shard count "
                + "(the Job's completions) or set FUSE_SHARD_COUNT=N"
        case .slurmCountMissing(let taskID):
            return "\(taskID) without SLURM_ARRAY_TASK_COUNT (or SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX): "
                + "the number of shards is unknown"
        case .irregularArray(let settings):
            return "\(settings.joined(separator: ", ")): the job array is not an evenly spaced range of ids "
                + "(e.g. --array=1,2,7), so its task ids do not number the shards 0…N−1; submit --array=0-(N−1) "
                + "(a step or another start is fine)"
        case .taskOutsideArray(let settings):
            return "\(settings.joined(separator: ", ")): the task id is not one of the array's ids"
        case .indexOutOfRange(let settings):
            return "\(settings.joined(separator: ", ")): the index must be below the shard count"
        case .countDisagrees(let given, let other):
            return "\(given) disagrees with \(other.joined(separator: ", ")): the shard count must be the same "
                + "for every task"
        case .countWithoutIndex(let count):
            return "\(count) needs a shard index from the scheduler (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)"
        }
    }
}

/// How a caller names the two explicit shard settings in messages and in `ShardChoice.settings` (the CLI passes
/// its flags, `--shard` and `--shard-count`).
public struct ShardSettingNames: Sendable, Equatable {
    public var shard: String
    public var shardCount: String

    public init(shard: String, shardCount: String) {
        self.shard = shard
        self.shardCount = shardCount
    }

    /// The parameters' own names: `shard 2/4`, `shardCount=x`.
    public static let parameters = ShardSettingNames(shard: "shard", shardCount: "shardCount")
}

/// Chooses a run's shard: an explicit `I/N` when given, else the scheduler's index when the run is one task of many —
/// a Slurm job array (`SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`, with `SLURM_ARRAY_TASK_MIN`/`_MAX`/`_STEP`
/// mapping e.g. `--array=1-4` or `--array=0-30:10` onto shards 0…N−1 in id order) or a Kubernetes Indexed Job
/// (`JOB_COMPLETION_INDEX` with the count from `shardCount` or `FUSE_SHARD_COUNT`) — else the whole list.
///
/// ```swift
/// let choice = try ShardEnvironment.choose(
///     shard: nil, shardCount: nil,
///     environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"])
/// // choice.shard is 2/4; choice.description names the variables it came from.
/// ```
///
/// Empty variables count as unset. A count given by the user (`shardCount`, `FUSE_SHARD_COUNT`) must agree
/// with the scheduler's; `shardCount` without any index is an error, `FUSE_SHARD_COUNT` alone is ignored.
public enum ShardEnvironment {
    public static let slurmTaskID = "SLURM_ARRAY_TASK_ID"
    public static let slurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
    public static let slurmTaskMin = "SLURM_ARRAY_TASK_MIN"
    public static let slurmTaskMax = "SLURM_ARRAY_TASK_MAX"
    public static let slurmTaskStep = "SLURM_ARRAY_TASK_STEP"
    public static let kubernetesIndex = "JOB_COMPLETION_INDEX"
    public static let shardCountVariable = "FUSE_SHARD_COUNT"

    /// The shard for an explicit `shard` (`I/N`), an explicit `shardCount` and the process `environment`;
    /// `names` says how messages name the explicit settings.
    public static func choose(
        shard: String?, shardCount: String?, environment: [String: String],
        names: ShardSettingNames = .parameters
    ) throws -> ShardChoice {
        let countFlag = try shardCount.map { text in
            (value: try number(text, setting: names.shardCount, minimum: 1), setting: "\(names.shardCount) \(text)")
        }
        if let shard {
            let parsed = try Shard(shard)
            if let countFlag, countFlag.value != parsed.count {
                throw ShardEnvironmentError.countDisagrees(given: countFlag.setting, other: ["\(names.shard) \(shard)"])
            }
            return ShardChoice(shard: parsed, origin: .flag, settings: ["\(names.shard) \(shard)"])
        }
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        // The user's count: the flag, else the variable (read only when an index needs it).
        func givenCount() throws -> (value: Int, setting: String)? {
            if let countFlag { return countFlag }
            return try variable(shardCountVariable).map { text in
                (
                    value: try number(text, setting: shardCountVariable, minimum: 1),
                    setting: "\(shardCountVariable)=\(text)"
                )
            }
        }
        switch (variable(slurmTaskID), variable(kubernetesIndex)) {
        case (let id?, let index?):
            throw ShardEnvironmentError.twoSchedulers(
                slurm: "\(slurmTaskID)=\(id)", kubernetes: "\(kubernetesIndex)=\(index)")
        case (let id?, nil):
            let choice = try slurmArray(taskID: id, variable: variable)
            if let given = try givenCount(), given.value != choice.shard.count {
                throw ShardEnvironmentError.countDisagrees(given: given.setting, other: choice.settings)
            }
            return choice
        case (nil, let text?):
            let index = try number(text, setting: kubernetesIndex, minimum: 0)
            let setting = "\(kubernetesIndex)=\(text)"
            guard let count = try givenCount() else { throw ShardEnvironmentError.countMissing(index: setting) }
            guard index < count.value else {
                throw ShardEnvironmentError.indexOutOfRange(settings: [setting, count.setting])
            }
            return ShardChoice(
                shard: try Shard("\(index)/\(count.value)"), origin: .kubernetesIndexedJob,
                settings: [setting, count.setting])
        case (nil, nil):
            if let countFlag { throw ShardEnvironmentError.countWithoutIndex(count: countFlag.setting) }
            return ShardChoice(shard: .whole, origin: .whole, settings: [])
        }
    }

    /// A Slurm array task's shard: ids min, min+step, …, max (count of them) become shards 0, 1, …, count−1.
    static func slurmArray(taskID text: String, variable: (String) -> String?) throws -> ShardChoice {
        let id = try number(text, setting: slurmTaskID, minimum: 0)
        func read(_ name: String, minimum: Int) throws -> (value: Int, setting: String)? {
            try variable(name).map {
                (value: try number($0, setting: name, minimum: minimum), setting: "\(name)=\($0)")
            }
        }
        let count = try read(slurmTaskCount, minimum: 1), min = try read(slurmTaskMin, minimum: 0)
        let max = try read(slurmTaskMax, minimum: 0), step = try read(slurmTaskStep, minimum: 1)
        let first = min?.value ?? 0, stride = step?.value ?? 1
        // Every setting that took part, in Slurm's order; min and step are named only when they shift the mapping.
        let all = ["\(slurmTaskID)=\(text)"] + [count, min, max, step].compactMap { $0?.setting }
        var named = ["\(slurmTaskID)=\(text)"] + [count?.setting].compactMap { $0 }
        if first != 0, let min { named.append(min.setting) }
        if stride != 1, let step { named.append(step.setting) }
        let tasks: Int
        if let max {
            guard max.value >= first, (max.value - first) % stride == 0,
                count == nil || (max.value - first) / stride + 1 == count?.value
            else {
                throw ShardEnvironmentError.irregularArray(settings: all)
            }
            tasks = (max.value - first) / stride + 1
            if count == nil { named.append(max.setting) }
        } else if let count {
            tasks = count.value
        } else {
            throw ShardEnvironmentError.slurmCountMissing(taskID: "\(slurmTaskID)=\(text)")
        }
        guard id >= first, (id - first) % stride == 0, (id - first) / stride < tasks else {
            // With only the id and the count, the id is the index; else it is one of the array's ids.
            throw min == nil && max == nil && step == nil
                ? ShardEnvironmentError.indexOutOfRange(settings: all)
                : ShardEnvironmentError.taskOutsideArray(settings: all)
        }
        return ShardChoice(shard: try Shard("\((id - first) / stride)/\(tasks)"), origin: .slurmArray, settings: named)
    }

    /// `text` as a whole number ≥ `minimum`, else an error naming `setting`.
    static func number(_ text: String, setting: String, minimum: Int) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= minimum else {
            throw ShardEnvironmentError.badNumber(
                setting: setting, value: text,
                expected: minimum == 0 ? "a whole number ≥ 0" : "a whole number ≥ \(minimum)")
        }
        return value
    }
}
