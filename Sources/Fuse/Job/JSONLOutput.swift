import Foundation
import FuseCore

/// The streamed, resumable output: JSON Lines appended chunk by chunk to a hidden partial file beside the
/// target (`.NAME.partial`), renamed over the target when the run ends. An interrupted (killed) run leaves the
/// partial file with every finished chunk; `--resume` continues it, or a finished output, after checking that
/// every record in it was made with this run's settings from this run's list. A run that fails with an error
/// leaves no partial file of its own behind.
final class JSONLOutput {
    let url: URL
    let partial: URL
    /// Whether this run continues earlier records (it then keeps the partial file if it fails).
    let resuming: Bool
    /// Written into every record, and required of every record already there.
    let settings: RunSettings
    /// The records already in the output, by list position.
    private(set) var existing = OutputRecords()
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

    init(url: URL, overwrite: Bool, resume: Bool, settings: RunSettings) throws {
        try Self.check(url, overwrite: overwrite, resume: resume)
        self.url = url
        partial = Self.partialURL(for: url)
        resuming = resume
        self.settings = settings
        let manager = FileManager.default
        do {
            if resume {
                existing = try Self.resumeState(url: url, partial: partial, settings: settings)
            } else if manager.fileExists(atPath: partial.path) {
                try manager.removeItem(at: partial)
            }
            if !manager.fileExists(atPath: partial.path) {
                guard manager.createFile(atPath: partial.path, contents: nil) else {
                    throw FuseError.writeFailed(path: partial.path, reason: "cannot create the file")
                }
            }
        } catch let error as FuseError { throw error } catch let error as JobError { throw error } catch {
            throw FuseError.writeFailed(path: partial.path, reason: error.localizedDescription)
        }
        guard let handle = FileHandle(forUpdatingAtPath: partial.path) else {
            throw FuseError.writeFailed(path: partial.path, reason: "cannot open for appending")
        }
        self.handle = handle
        do { try handle.seekToEnd() } catch {
            throw FuseError.writeFailed(path: partial.path, reason: "\(error)")
        }
    }

    /// The records a resumed run continues from, leaving the partial file holding exactly them. With both a
    /// finished output and a partial file, the partial is continued only when it holds every finished record (an
    /// interrupted resume); a partial that the finished output contains (an interrupted `--force` run of the same
    /// list) is replaced by a copy of the finished output, so a resume never shrinks a finished output. Anything
    /// else is a conflict the user must settle.
    private static func resumeState(url: URL, partial: URL, settings: RunSettings) throws -> OutputRecords {
        let manager = FileManager.default
        var fromPartial: OutputRecords?
        if manager.fileExists(atPath: partial.path) {
            try cutTornLine(partial)
            fromPartial = try OutputRecords(reading: partial, expecting: settings)
        }
        guard manager.fileExists(atPath: url.path) else { return fromPartial ?? OutputRecords() }
        let finished = try OutputRecords(reading: url, expecting: settings)
        if let fromPartial {
            if finished.isContained(in: fromPartial) { return fromPartial }
            guard fromPartial.isContained(in: finished) else {
                throw JobError.resumeConflict(output: url.path, partial: partial.path)
            }
            try manager.removeItem(at: partial)
        }
        try manager.copyItem(at: url, to: partial)
        return finished
    }

    /// Appends whole lines in one write, so a crash tears at most the last line.
    func append(_ records: [JobRecord]) throws {
        guard !records.isEmpty else { return }
        var data = Data()
        for record in records {
            data.append(record.jsonLine(settings: settings))
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

    /// Stops after an error: a resumed run keeps its partial file (every line in it is a checked record, and the
    /// work before this run is in it); a fresh run removes its own, so nothing of a failed run is trusted later.
    func abandon() {
        try? handle.close()
        if !resuming { try? FileManager.default.removeItem(at: partial) }
    }

    /// Cuts the file back to its last newline (a line torn by an interrupted write is redone on resume).
    private static func cutTornLine(_ url: URL) throws {
        guard let handle = FileHandle(forUpdatingAtPath: url.path) else {
            throw FuseError.writeFailed(path: url.path, reason: "cannot open for updating")
        }
        defer { try? handle.close() }
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
