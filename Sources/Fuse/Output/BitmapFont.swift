import Foundation

/// A tiny monospaced font (ASCII 32…126) for labelling the images Fuse draws; other characters render as `?`.
struct BitmapFont: Sendable {
    let width = BitmapFontGlyphs.width
    let height = BitmapFontGlyphs.height
    private let coverage: [UInt8]

    static let shared = BitmapFont()

    private init() {
        coverage = Array(Data(base64Encoded: BitmapFontGlyphs.base64) ?? Data())
    }

    /// Coverage (0…255) of the pixel at `(x, y)` in the glyph for `character`.
    func coverage(of character: Character, x: Int, y: Int) -> UInt8 {
        let code = character.asciiValue.map(Int.init) ?? 63
        let index = (32...126).contains(code) ? code - 32 : 63 - 32
        let offset = index * width * height + y * width + x
        return offset < coverage.count ? coverage[offset] : 0
    }
}
