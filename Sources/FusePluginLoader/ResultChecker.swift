import CFusePluginABI
import FuseCore

/// Checks a `fuse_plugin_result` before anything is read from it, then copies it into a `Sample`.
///
/// A plugin is third-party code: its shape fields are validated against each other (`count == rows * columns`,
/// no negative or overflowing dimensions), its pointers against its counts, and its values (finite features,
/// non-negative ids), so a wrong plugin produces a named error instead of an out-of-bounds read or NaN embeddings.
struct ResultChecker {
    let plugin: String
    let library: String
    let file: String

    /// More elements than this in one decoded file is taken as a corrupt shape, not data (2^31 floats = 8 GiB).
    static let maxElements: Int64 = 1 << 31

    private func fail(_ reason: String) -> PluginLoadError {
        .impossibleResult(plugin: plugin, library: library, file: file, reason: reason)
    }

    func sample(from result: fuse_plugin_result, modality: Modality) throws -> Sample {
        guard result.reserved == 0 else { throw fail("reserved field is \(result.reserved), must be 0") }
        let rows = result.rows, columns = result.columns
        guard rows > 0 else { throw fail("rows = \(rows); a decoded file must have at least one row") }
        guard columns > 0 else { throw fail("columns = \(columns); must be at least 1") }
        let (elements, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, elements <= Self.maxElements else {
            throw fail("shape [\(rows), \(columns)] has more than \(Self.maxElements) elements")
        }
        guard result.count == elements else {
            throw fail("count = \(result.count) but rows × columns = \(rows) × \(columns) = \(elements)")
        }
        switch Int(result.kind) {
        case Int(FUSE_PLUGIN_FEATURES.rawValue):
            guard let features = result.features else { throw fail("features pointer is NULL for \(elements) values") }
            return .features(try tensor(from: features, rows: Int(rows), columns: Int(columns)), modality: modality)
        case Int(FUSE_PLUGIN_IDS.rawValue):
            guard columns == 1 else { throw fail("an ids result must have columns = 1, got \(columns)") }
            guard let ids = result.ids else { throw fail("ids pointer is NULL for \(elements) ids") }
            let buffer = UnsafeBufferPointer(start: ids, count: Int(rows))
            if let bad = buffer.firstIndex(where: { $0 < 0 }) {
                throw fail("token id \(buffer[bad]) at index \(bad) is negative")
            }
            return .ids(Array(buffer), modality: modality)
        default:
            throw fail("kind = \(result.kind); expected FUSE_PLUGIN_FEATURES (1) or FUSE_PLUGIN_IDS (2)")
        }
    }

    /// Copies `rows × columns` floats, rejecting NaN and infinities (they would poison every embedding downstream).
    private func tensor(from source: UnsafePointer<Float>, rows: Int, columns: Int) throws -> Tensor {
        let count = rows * columns
        let values = UnsafeBufferPointer(start: source, count: count)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw fail("feature value \(values[bad]) at row \(bad / columns), column \(bad % columns) is not finite")
        }
        return Tensor(shape: [rows, columns]) { destination in
            destination.baseAddress!.initialize(from: source, count: count)
        }
    }
}
