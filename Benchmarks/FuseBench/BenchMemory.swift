import Foundation
import FuseCore

/// This process's resident memory, read from `/proc/self/status` (Linux), for the benches' peak-RSS figures.
enum ResidentMemory {
    /// Current (`VmRSS`) and peak (`VmHWM`) resident set size in bytes; nil where /proc is unavailable.
    static func read() -> (current: Int, peak: Int)? {
        guard let fields = statusFields(["VmRSS:", "VmHWM:"]) else { return nil }
        return (fields[0], fields[1])
    }

    /// The resident set split into anonymous memory (allocations) and file-backed pages (memory-mapped
    /// checkpoints, libraries), in bytes; nil where /proc is unavailable.
    static func split() -> (anonymous: Int, file: Int)? {
        guard let fields = statusFields(["RssAnon:", "RssFile:"]) else { return nil }
        return (fields[0], fields[1])
    }

    /// The byte counts of `/proc/self/status`'s kB lines named `names`, in that order; nil unless all are there.
    private static func statusFields(_ names: [String]) -> [Int]? {
        guard let status = try? FileContents.utf8String(at: URL(fileURLWithPath: "/proc/self/status")) else {
            return nil
        }
        var found: [String: Int] = [:]
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { continue }
            found[String(fields[0])] = kilobytes * 1024
        }
        let values = names.compactMap { found[$0] }
        return values.count == names.count ? values : nil
    }

    /// Resets the peak to the current RSS (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so a later `read()`
    /// gives the peak of what ran in between. False when the kernel refuses.
    @discardableResult
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    /// "resident R MB above the B MB before loading = X× the W MB of weights; peak P MB above = Y×", for a
    /// measurement that began with `resetPeak()` and `before = read()`. The resident figure (what the model holds
    /// after loading and running: its weights, caches and buffers) is the one issue 18's int8 memory target
    /// ("resident weights ≤ 0.3× fp32") is read against; the peak includes the conversion at load time.
    static func report(before: (current: Int, peak: Int)?, weightBytes: Int, resetWorked: Bool) -> String {
        guard let before, let after = read() else { return "RSS: /proc/self/status unavailable" }
        let parts =
            split().map {
                String(
                    format: " (process now: %.0f MB anonymous, %.0f MB file-backed)", Double($0.anonymous) / 1_048_576,
                    Double($0.file) / 1_048_576)
            } ?? ""
        let mb = { (bytes: Int) in Double(bytes) / 1_048_576 }
        let resident = after.current - before.current, peak = after.peak - before.current
        let note = resetWorked ? "" : " (peak not resettable here: includes earlier stages)"
        return String(
            format: "resident %.0f MB above the %.0f MB before loading = %.2f× the %.0f MB of fp32 weights; "
                + "peak %.0f MB above = %.2f×%@", mb(resident), mb(before.current),
            Double(resident) / Double(weightBytes), mb(weightBytes), mb(peak), Double(peak) / Double(weightBytes),
            note + parts)
    }
}
