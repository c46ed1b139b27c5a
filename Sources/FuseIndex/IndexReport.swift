/// What one indexing run did. `total` is the number of files the index holds for its current model afterwards.
public struct IndexReport: Sendable, Equatable, Codable {
    /// New paths, embedded (or given the vector of an identical file already indexed).
    public var added = 0
    /// Known paths re-embedded: contents changed, or the vector was of another model.
    public var updated = 0
    /// Known contents found under a new path (renamed or moved): the row keeps its vector.
    public var moved = 0
    /// Indexed files that are gone from the folders (or now excluded), removed from the index.
    public var removed = 0
    /// Files whose size and time (or, after a touch, whose contents) match the index.
    public var unchanged = 0
    /// Files that a plugin claims but could not be read or embedded (reported one by one, then skipped).
    public var failed = 0
    /// Files that no plugin claims, or of a modality the model has no tower for.
    public var skipped = 0
    /// Files the index holds for its current model after the run.
    public var total = 0
    /// Why each failed file failed.
    public var failures: [IndexFailure] = []

    public init() {}

    enum CodingKeys: String, CodingKey { case added, updated, moved, removed, unchanged, failed, skipped, total }
}

/// A file that could not be indexed, and why.
public struct IndexFailure: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}
