import Foundation

/// Bounds that keep hostile tokenizer files and texts from exhausting memory or trapping.
extension Tokenizer {
    /// Default `maxInputBytes`: 256 MiB of UTF-8 per text (tokenizing that already takes gigabytes of scratch).
    public static let defaultMaxInputBytes = 256 << 20

    /// Largest token id accepted from a file. Ids index a dense table, so one id of 2³¹ in an otherwise small
    /// vocabulary would allocate 32 GB; the largest released vocabularies hold about 10⁶ tokens.
    public static let maximumTokenID = 1 << 24

    /// Most bytes a gzip-compressed tokenizer file may inflate to.
    public static let maximumInflatedFileSize = 256 << 20

    /// Whether `id` may be used as a token id (0 ≤ id ≤ `maximumTokenID`).
    public static func acceptsID(_ id: Int) -> Bool { id >= 0 && id <= maximumTokenID }

    /// Throws `inputTooLong` when `text` exceeds `maxInputBytes`.
    func checkLength(_ text: String) throws {
        let bytes = text.utf8.count
        guard bytes <= maxInputBytes else { throw TokenizerError.inputTooLong(bytes: bytes, limit: maxInputBytes) }
    }
}
