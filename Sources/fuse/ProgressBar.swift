import Foundation

/// A progress bar on stderr (a terminal only) that appears only once work has taken more than a second (short runs stay quiet),
/// with the rate and the time left. Safe to update from any task.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private let lock = NSLock()
    private var drawn = false

    init(total: Int, label: String, enabled: Bool) {
        self.total = total
        self.label = label
        // Only on a terminal: redrawn with `\r`, the bar would become one long line in a log file.
        self.enabled = enabled && isatty(STDERR_FILENO) != 0
    }

    func update(_ done: Int) {
        guard enabled else { return }
        lock.withLock {
            let elapsed = Date().timeIntervalSince(start)
            guard elapsed > 1 || drawn else { return }
            drawn = true
            let fraction = total > 0 ? Double(done) / Double(total) : 1
            let width = 30
            let filled = Int(fraction * Double(width))
            let rate = Double(done) / max(elapsed, 1e-9)
            let left = rate > 0 ? Double(total - done) / rate : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = String(format: "\r%@ [%@] %d/%d  %.1f/s  %.0fs left ", label, bar, done, total, rate, left)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    func finish() {
        lock.withLock { if drawn { FileHandle.standardError.write(Data("\n".utf8)) } }
    }
}
