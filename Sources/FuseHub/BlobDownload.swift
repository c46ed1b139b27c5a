import AsyncHTTPClient
import Foundation
import FuseCore
import NIOCore

/// Progress of one file's download, reported as bytes arrive.
public struct HubTransferProgress: Sendable, Equatable {
    /// The file's path in the repository.
    public var file: String
    /// Bytes in the blob so far (including bytes resumed from an earlier `.incomplete`).
    public var received: Int64
    /// The announced size, when known.
    public var total: Int64?
}

/// Downloads one blob as `huggingface_hub` does, into `blobs/{etag}.incomplete` first: an existing `.incomplete`
/// is resumed with `Range: bytes=N-` (also after a connection cut mid-body, up to `maximumAttempts` times); the
/// finished file's size is checked against the announced one and an LFS file's sha256 against its ETag; only then
/// is it renamed to `blobs/{etag}`. A mismatch or a local write error deletes the `.incomplete` (its bytes cannot be
/// trusted); a transport error keeps it for the next run to resume. The caller holds the blob's `CacheLock`.
struct BlobDownload {
    let http: HubHTTP
    let repository: String
    let metadata: HubFileMetadata
    let file: String
    let blob: URL
    var maximumAttempts = 5

    var incomplete: URL {
        blob.deletingLastPathComponent().appendingPathComponent(blob.lastPathComponent + ".incomplete")
    }

    func run(progress: @Sendable (HubTransferProgress) -> Void) async throws {
        var attempt = 0
        while true {
            attempt += 1
            let before = Self.size(of: incomplete)
            do {
                try await transfer(progress: progress)
                break
            } catch let error as HubError {
                guard case .transport = error, attempt < maximumAttempts else { throw error }
                // Retry only while bytes keep arriving, as `http_get` does; a dead server fails fast.
                if Self.size(of: incomplete) <= before && attempt >= 2 { throw error }
            }
        }
        try verify()
        do {
            try FileManager.default.moveItem(at: incomplete, to: blob)
        } catch {
            discard()
            throw HubError.cacheNotWritable(path: blob.path, reason: error.localizedDescription)
        }
    }

    /// One GET, appended to the `.incomplete` from its current size.
    private func transfer(progress: @Sendable (HubTransferProgress) -> Void) async throws {
        var offset = Self.size(of: incomplete)
        if let total = metadata.size, offset > total { offset = 0 }
        if let total = metadata.size, offset == total, total > 0 { return }
        let headers = offset > 0 ? [("Range", "bytes=\(offset)-")] : []
        let answer: HubResponse
        do {
            answer = try await http.send(
                .GET, metadata.location, headers: headers,
                subject: .file(repository, revision: metadata.commit, path: file),
                followAbsoluteRedirects: true)
        } catch HubError.httpStatus(_, 416, _) where offset > 0 {
            // The range starts past the end: the `.incomplete` is stale (another size), start over.
            discard()
            return try await transfer(progress: progress)
        }
        if answer.status == 206 {
            let start = answer.header("Content-Range").flatMap(Self.rangeStart)
            guard start == offset else {
                throw HubError.malformedResponse(
                    url: answer.url.absoluteString,
                    reason: "asked for bytes from \(offset), got Content-Range "
                        + (answer.header("Content-Range") ?? "none"))
            }
        } else {
            offset = 0  // a full answer (the server ignored Range): rewrite from the start
        }
        let handle = try openForWriting(at: offset)
        defer { try? handle.close() }
        var received = offset
        progress(HubTransferProgress(file: file, received: received, total: metadata.size))
        do {
            for try await chunk in answer.response.body {
                do {
                    try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                } catch {
                    discard()
                    throw HubError.cacheNotWritable(path: incomplete.path, reason: error.localizedDescription)
                }
                received += Int64(chunk.readableBytes)
                progress(HubTransferProgress(file: file, received: received, total: metadata.size))
            }
        } catch let error as HubError {
            throw error
        } catch {
            try? handle.synchronize()
            throw HubError.transport(
                url: answer.url.absoluteString,
                reason: "cut after \(received) bytes of '\(file)' (\(error))")
        }
    }

    private func openForWriting(at offset: Int64) throws -> FileHandle {
        let fm = FileManager.default
        if !fm.fileExists(atPath: incomplete.path) {
            guard fm.createFile(atPath: incomplete.path, contents: nil) else {
                throw HubError.cacheNotWritable(path: incomplete.path, reason: "cannot create the file")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: incomplete)
            try handle.truncate(atOffset: UInt64(offset))
            try handle.seek(toOffset: UInt64(offset))
            return handle
        } catch {
            throw HubError.cacheNotWritable(path: incomplete.path, reason: error.localizedDescription)
        }
    }

    /// Size, then sha256 for LFS files; a mismatch discards the `.incomplete`.
    private func verify() throws {
        let actualSize = Self.size(of: incomplete)
        if let expected = metadata.size, expected != actualSize {
            discard()
            throw HubError.sizeMismatch(file: file, expected: expected, actual: actualSize)
        }
        guard let expected = metadata.expectedSHA256 else { return }
        let actual: String
        do {
            actual = try Self.sha256(of: incomplete)
        } catch {
            discard()
            throw HubError.cacheNotWritable(path: incomplete.path, reason: "cannot read back: \(error)")
        }
        guard actual == expected else {
            discard()
            throw HubError.checksumMismatch(file: file, expected: expected, actual: actual)
        }
    }

    private func discard() { try? FileManager.default.removeItem(at: incomplete) }

    static func size(of url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The sha256 of a file, read in 4 MiB pieces.
    static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hash = SHA256()
        while let piece = try handle.read(upToCount: 4 << 20), !piece.isEmpty {
            piece.withUnsafeBytes { hash.update(bytes: $0) }
        }
        return hash.finalizeHex()
    }

    /// `bytes START-END/TOTAL` → START.
    static func rangeStart(_ header: String) -> Int64? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("bytes ") else { return nil }
        return trimmed.dropFirst(6).split(separator: "-").first.flatMap { Int64($0) }
    }
}
