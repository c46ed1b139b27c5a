import FuseCore

/// One indexed file: where it is, what it was when embedded, and its vector in the index model's space.
public struct IndexEntry: Sendable, Equatable {
    /// The file's absolute path (the index's key).
    public var path: String
    /// The modality its plugin produced.
    public var modality: Modality
    /// The file's facts when it was embedded: size in bytes, modification time in nanoseconds since 1970, and the
    /// content hash (`ContentHash`) that recognises it after a rename.
    public var file: FileFacts
    /// The unit vector.
    public var vector: [Float]

    public init(path: String, modality: Modality, file: FileFacts, vector: [Float]) {
        self.path = path
        self.modality = modality
        self.file = file
        self.vector = vector
    }
}

/// A file's size, modification time and content hash, as the index compares them.
public struct FileFacts: Sendable, Equatable, Hashable {
    public var size: Int64
    /// Nanoseconds since 1970.
    public var modificationTime: Int64
    public var contentHash: String

    public init(size: Int64, modificationTime: Int64, contentHash: String) {
        self.size = size
        self.modificationTime = modificationTime
        self.contentHash = contentHash
    }
}

/// An index row without its vector: what incremental indexing compares against the folder.
public struct IndexRecord: Sendable, Equatable {
    public var path: String
    public var modality: Modality
    public var file: FileFacts
    /// The fingerprint of the model whose vector the row holds (`ModelFingerprint`).
    public var modelID: String
}

/// One search result.
public struct SearchHit: Sendable, Equatable {
    public var path: String
    public var modality: Modality
    /// Cosine similarity with the query (stored vectors and the query are unit length).
    public var score: Float
}

/// A row that keeps its vector under a new path (a renamed or moved file).
public struct IndexMove: Sendable, Equatable {
    public var from: String
    public var to: String
    /// The file's facts at its new path.
    public var file: FileFacts

    public init(from: String, to: String, file: FileFacts) {
        self.from = from
        self.to = to
        self.file = file
    }
}

/// Changes written together in one transaction by `FuseIndex.apply(_:)`.
public struct IndexChanges: Sendable {
    public var upserts: [IndexEntry]
    public var removals: [String]
    public var moves: [IndexMove]
    /// Unchanged contents with a new size or modification time (a touched file).
    public var refreshes: [(path: String, file: FileFacts)]

    public init(
        upserts: [IndexEntry] = [], removals: [String] = [], moves: [IndexMove] = [],
        refreshes: [(path: String, file: FileFacts)] = []
    ) {
        self.upserts = upserts
        self.removals = removals
        self.moves = moves
        self.refreshes = refreshes
    }

    public var isEmpty: Bool { upserts.isEmpty && removals.isEmpty && moves.isEmpty && refreshes.isEmpty }
}
