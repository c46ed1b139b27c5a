import Foundation
import Fuse

/// A self-contained HTML page of search results: images as thumbnails (PNGs of at most 128 px a side) and audio
/// playable, both as data URIs so the page works when moved or mailed; text files quoted; each with its rank, score
/// and path, images linked to the file itself.
public enum ResultsPage {
    /// Audio files larger than this are linked (`file://`) instead of inlined, so the page stays small; images are
    /// always shown as thumbnails (an image too large to decode is linked).
    public static let inlineLimit = 8 << 20

    /// The page for `hits` of `query` (shown as its title).
    public static func html(query: String, hits: [SearchHit]) -> String {
        var rows: [String] = []
        for (rank, hit) in hits.enumerated() {
            let score = String(format: "%.4f", hit.score)
            rows.append(
                """
                <div class="hit"><div class="meta">\(rank + 1). <b>\(score)</b> \(escape(hit.modality.name))<br>\
                <code>\(escape(hit.path))</code></div>\(preview(hit))</div>
                """)
        }
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>fuse search: \(escape(query))</title>
            <style>body{font-family:sans-serif;margin:1em}.hit{display:inline-block;vertical-align:top;width:260px;\
            margin:6px;padding:6px;border:1px solid #ccc}.hit img{max-width:256px;max-height:256px}\
            .hit audio{width:256px}.meta{font-size:12px;word-break:break-all}pre{white-space:pre-wrap;font-size:12px}\
            </style></head><body>
            <h1>\(escape(query))</h1>
            \(rows.joined(separator: "\n"))
            </body></html>

            """
    }

    /// Writes the page atomically (temporary file, then rename), refusing to replace a file unless `overwrite`.
    ///
    /// - Throws: `FuseError.outputExists` and `.writeFailed` naming the file.
    public static func write(query: String, hits: [SearchHit], to url: URL, overwrite: Bool) throws {
        try OutputFile.write(Data(html(query: query, hits: hits).utf8), to: url, overwrite: overwrite)
    }

    static func preview(_ hit: SearchHit) -> String {
        let url = URL(fileURLWithPath: hit.path)
        let mime = mimeType(url.pathExtension.lowercased(), modality: hit.modality)
        let size = (try? FileManager.default.attributesOfItem(atPath: hit.path)[.size] as? Int) ?? nil
        guard let size else { return "<p>(file missing)</p>" }
        switch hit.modality {
        case .image:
            let link = escape(url.absoluteString)
            guard let data = try? FileContents.data(at: url),
                let thumbnail = try? Thumbnail.png(of: data, name: hit.path)
            else {
                return "<p><a href=\"\(link)\">(no preview)</a></p>"
            }
            return
                "<a href=\"\(link)\"><img src=\"data:image/png;base64,\(thumbnail.base64EncodedString())\" alt=\"\"></a>"
        case .audio:
            let source: String
            if size <= inlineLimit, let data = try? FileContents.data(at: url) {
                source = "data:\(mime);base64,\(data.base64EncodedString())"
            } else {
                source = escape(url.absoluteString)
            }
            return "<audio controls src=\"\(source)\"></audio>"
        case .text:
            guard let data = try? FileContents.data(at: url) else { return "" }
            return "<pre>\(escape(String(String(decoding: data.prefix(600), as: UTF8.self).prefix(400))))</pre>"
        default:
            return ""
        }
    }

    static func mimeType(_ ext: String, modality: Modality) -> String {
        let known = [
            "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
            "webp": "image/webp", "bmp": "image/bmp", "wav": "audio/wav", "flac": "audio/flac",
            "mp3": "audio/mpeg", "ogg": "audio/ogg", "aiff": "audio/aiff", "aif": "audio/aiff",
        ]
        return known[ext]
            ?? (modality == .image ? "image/*" : modality == .audio ? "audio/*" : "application/octet-stream")
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
