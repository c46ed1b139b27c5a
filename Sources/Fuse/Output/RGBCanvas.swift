/// An 8-bit RGB drawing surface for the small charts Fuse writes (heat-maps): rectangles and text.
struct RGBCanvas {
    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: (UInt8, UInt8, UInt8)) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                let i = (row * width + column) * 3
                pixels[i] = color.0
                pixels[i + 1] = color.1
                pixels[i + 2] = color.2
            }
        }
    }

    /// Draws `text` with its top-left corner at `(x, y)`, blending the glyph coverage over the background.
    mutating func text(_ text: String, x: Int, y: Int, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        let font = BitmapFont.shared
        for (n, character) in text.enumerated() {
            let originX = x + n * font.width
            for gy in 0..<font.height {
                for gx in 0..<font.width {
                    let px = originX + gx, py = y + gy
                    guard px >= 0, px < width, py >= 0, py < height else { continue }
                    let alpha = Int(font.coverage(of: character, x: gx, y: gy))
                    guard alpha > 0 else { continue }
                    let i = (py * width + px) * 3
                    pixels[i] = blend(pixels[i], color.0, alpha)
                    pixels[i + 1] = blend(pixels[i + 1], color.1, alpha)
                    pixels[i + 2] = blend(pixels[i + 2], color.2, alpha)
                }
            }
        }
    }

    private func blend(_ under: UInt8, _ over: UInt8, _ alpha: Int) -> UInt8 {
        UInt8((Int(under) * (255 - alpha) + Int(over) * alpha + 127) / 255)
    }
}
