import Foundation
import FuseCore

/// The streamed, resumable output: JSON Lines appended batch by batch to a hidden partial file beside the
/// target (`.NAME.partial`), renamed over the target when the run ends. An interrupted run leaves the partial file
/// with every finished batch; `--resume` reads it (or a finished output) for the inputs already done, drops a
/// line torn by the interruption, and appends the rest.
final class JSONLOutput {
    let url: URL
    let partial: URL
    /// Resume keys of the records already in the output.
    private(set) var existingKeys: Set<String> = []
    private let handle: FileHandle

    /// The hidden partial file for `url`.
    static func partialURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
    }

    /// Checks what exists before any work is done (so a refusal comes first, not after hours of embedding).
    static func check(_ url: URL, overwrite: Bool, resume: Bool) throws {
        let partial = partialURL(for: url)
        if resume { return try OutputFile.checkWritable(url, overwrite: true) }
        try OutputFile.checkWritable(url, overwrite: overwrite)
        if !overwrite, FileManager.default.fileExists(atPath: partial.path) {
            throw JobError.partialExists(output: url.path, partial: partial.path)
        }
    }

    init(url: URL, overwrite: Bool, resume: Bool) throws {
        try Self.check(url, overwrite: overwrite, resume: resume)
        self.url = url
        partial = Self.partialURL(for: url)
        let manager = FileManager.default
        do {
            if resume {
                if !manager.fileExists(atPath: partial.path), manager.fileExists(atPath: url.path) {
                    try manager.copyItem(at: url, to: partial)
                }
            } else if manager.fileExists(atPath: partial.path) {
                try manager.removeItem(at: partial)
            }
            if !manager.fileExists(atPath: partial.path) {
                guard manager.createFile(atPath: partial.path, contents: nil) else {
                    throw FuseError.writeFailed(path: partial.path, reason: "cannot create the file")
                }
            }
        } catch let error as FuseError { throw error } catch {
            throw FuseError.writeFailed(path: partial.path, reason: error.localizedDescription)
        }
        if resume { existingKeys = try Self.readKeys(partial) }
        guard let handle = FileHandle(forUpdatingAtPath: partial.path) else {
            throw FuseError.writeFailed(path: partial.path, reason: "cannot open for appending")
        }
        self.handle = handle
        do {
            try Self.dropTornLine(handle)
            try handle.seekToEnd()
        } catch {
            throw FuseError.writeFailed(path: partial.path, reason: "\(error)")
        }
    }

    /// Appends whole lines in one write, so a crash tears at most the last line.
    func append(_ records: [JobRecord]) throws {
        guard !records.isEmpty else { return }
        var data = Data()
        for record in records {
            data.append(record.jsonLine())
            data.append(0x0A)
        }
        do { try handle.write(contentsOf: data) } catch {
            throw FuseError.writeFailed(path: partial.path, reason: "\(error)")
        }
    }

    /// Flushes to disk and renames the partial file over the output.
    func finish() throws {
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw FuseError.writeFailed(path: partial.path, reason: "\(error)")
        }
        try OutputFile.commit(partial, to: url)
    }

    /// Leaves the partial file for a later `--resume`.
    func abandon() { try? handle.close() }

    private static func readKeys(_ url: URL) throws -> Set<String> {
        var keys: Set<String> = []
        var lines = try LineReader(path: url.path)
        while let line = lines.next() {
            if let key = JobRecord.key(jsonLine: line.text) { keys.insert(key) }
        }
        return keys
    }

    /// Cuts the file back to its last newline (a line torn by an interrupted write is redone on resume).
    private static func dropTornLine(_ handle: FileHandle) throws {
        let size = try handle.seekToEnd()
        guard size > 0 else { return }
        var end = size
        let block: UInt64 = 64 * 1024
        while end > 0 {
            let start = end > block ? end - block : 0
            try handle.seek(toOffset: start)
            let data = handle.readData(ofLength: Int(end - start))
            if let newline = data.lastIndex(of: 0x0A) {
                let cut = start + UInt64(newline - data.startIndex) + 1
                if cut < size { try handle.truncate(atOffset: cut) }
                return
            }
            end = start
        }
        try handle.truncate(atOffset: 0)
    }
}
