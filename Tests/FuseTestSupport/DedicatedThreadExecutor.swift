import Foundation

/// A task executor with threads of its own, for in-process servers that tests talk to from child processes.
///
/// A loopback server whose handlers run on the cooperative pool answers only when that pool has a free thread; in a
/// full `swift test` run other suites occupy both of its threads for minutes (a synchronous test waiting for a child
/// `fuse` process holds its thread the whole time), and a client in a child process then times out against a server
/// that is merely starved. Start such a server with `Task(executorPreference: DedicatedThreadExecutor.servers)`: the
/// task and every child task it creates (Hummingbird serves each connection in a child task) run here instead.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// Two threads shared by the test process's loopback servers; they live as long as the process.
    public static let servers = DedicatedThreadExecutor(threads: 2, name: "fuse-test-server")

    private let condition = NSCondition()
    /// Jobs waiting for a thread, oldest first (`next` indexes the oldest; compacted when half is consumed).
    private var queue: [UnownedJob] = []
    private var next = 0

    /// Starts `threads` threads named `name-N` that run enqueued jobs until the process exits.
    public init(threads: Int, name: String) {
        for index in 0..<max(1, threads) {
            let thread = Thread { self.runJobs() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while next == queue.count { condition.wait() }
            let job = queue[next]
            next += 1
            if next > 64 && next * 2 > queue.count {
                queue.removeFirst(next)
                next = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
