import Foundation

/// The mutable working set of one encoding thread: the word cache and reusable buffers.
final class EncodeState {
    let cache = WordCache()
    let scratch = BPEScratch()
    var segments: [Segment] = []
    var pieces: [Piece] = []
    init() { pieces.reserveCapacity(1024) }
}

/// Encode states kept between calls so the word caches stay warm; each state is used by one thread at a time.
final class EncodeStatePool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [EncodeState] = []

    func checkOut() -> EncodeState {
        lock.lock(); defer { lock.unlock() }
        return free.popLast() ?? EncodeState()
    }

    func checkIn(_ state: EncodeState) {
        lock.lock(); defer { lock.unlock() }
        if free.count < 8 { free.append(state) }
    }
}
