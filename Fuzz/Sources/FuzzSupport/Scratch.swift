import Foundation

/// Files for fuzz inputs that only a path-taking API can read (libsndfile, safetensors' mmap, the loaders).
///
/// Each process writes into its own folder (on tmpfs when `/dev/shm` exists, so an execution costs no disk I/O),
/// reused across executions: libFuzzer runs one input at a time per process.
public enum Scratch {
    /// This process's scratch folder, created on first use.
    public static let directory: URL = {
        let root = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: root).appendingPathComponent("fuse-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `bytes` to `name` inside the scratch folder (replacing it) and returns its URL.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, to name: String) -> URL {
        write(Data(bytes), to: name)
    }

    /// Writes `data` to `name` inside the scratch folder (replacing it) and returns its URL.
    @discardableResult
    public static func write(_ data: Data, to name: String) -> URL {
        let url = directory.appendingPathComponent(name)
        do { try data.write(to: url) } catch {
            // The harness itself failing is not a finding about the code under test; stop loudly.
            FileHandle.standardError.write(Data("fuzz scratch: cannot write \(url.path): \(error)\n".utf8))
            exit(2)
        }
        return url
    }

    /// A sub-folder of the scratch folder (created if needed).
    public static func folder(_ name: String) -> URL {
        let url = directory.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The repository's `Tests/Fixtures` folder (the harness is built from `Fuzz/` inside the repository).
    public static let fixtures: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("Tests/Fixtures")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        FileHandle.standardError.write(Data("fuzz: Tests/Fixtures not found above \(#filePath)\n".utf8))
        exit(2)
    }()
}

/// Splits an input into parts at a separator byte sequence (for targets that read several files at once).
public func splitInput(_ bytes: UnsafeRawBufferPointer, separator: [UInt8], maxParts: Int) -> [Data] {
    var parts: [Data] = []
    var start = 0
    var i = 0
    let n = bytes.count, m = separator.count
    while i + m <= n, parts.count < maxParts - 1 {
        var match = true
        for j in 0..<m where bytes[i + j] != separator[j] { match = false; break }
        if match {
            parts.append(Data(bytes[start..<i]))
            i += m
            start = i
        } else {
            i += 1
        }
    }
    parts.append(Data(bytes[start..<n]))
    return parts
}
