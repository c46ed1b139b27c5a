import Foundation
import Fuse

/// The main job's progress line on stderr (a terminal only): outputs done (of the total when known), skipped inputs, rate and ETA.
/// Quiet for the first second, so short runs print nothing.
final class MainProgress: @unchecked Sendable {
    private let enabled: Bool
    private let start = Date()
    private let lock = NSLock()
    private var drawn = false

    /// Draws only when `enabled` and stderr is a terminal: a progress line redrawn with `\r` would become one long
    /// line in a log file.
    init(enabled: Bool) { self.enabled = enabled && isatty(STDERR_FILENO) != 0 }

    func update(_ progress: JobProgress) {
        guard enabled else { return }
        lock.withLock {
            let elapsed = Date().timeIntervalSince(start)
            guard elapsed > 1 || drawn else { return }
            drawn = true
            let rate = Double(progress.done) / max(elapsed, 1e-9)
            var line = "\rfusing \(progress.done)"
            if let total = progress.total, total > 0 {
                let width = 24, filled = min(width, progress.done * width / total)
                line =
                    "\r[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                    + "] \(progress.done)/\(total)"
                let left = rate > 0 ? Double(max(total - progress.done, 0)) / rate : 0
                line += String(format: "  %.1f/s  ETA %@", rate, Self.duration(left))
            } else {
                line += String(format: " done  %.1f/s", rate)
            }
            if progress.failed > 0 { line += "  \(progress.failed) skipped" }
            FileHandle.standardError.write(Data((line + "   ").utf8))
        }
    }

    func finish() {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
            drawn = false
        }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
