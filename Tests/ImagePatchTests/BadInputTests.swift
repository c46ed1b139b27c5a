import Foundation
import ImagePatch
import Testing

@Suite("Bad image files give named errors, never a crash or partial result")
struct BadInputTests {
    static let cases: [(String, String)] = {
        let map = (try? FixtureFiles.json("bad.json", as: [String: String].self)) ?? [:]
        return map.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }()

    /// Each file (tools/reference/image_fixtures.py, all rejected by Pillow too) must throw the expected
    /// ImageError case, and its message must name the file.
    @Test("each bad file throws the expected error naming the file", arguments: cases)
    func rejects(_ file: String, _ expected: String) throws {
        let url = FixtureFiles.url("bad/" + file)
        do {
            _ = try ImageDecoder().decode(contentsOf: url)
            Issue.record("\(file) decoded without an error")
        } catch let error as ImageError {
            let kind: String
            switch error {
            case .corrupt: kind = "corrupt"
            case .tooManyPixels: kind = "tooManyPixels"
            case .unrecognizedFormat: kind = "unrecognizedFormat"
            case .empty: kind = "empty"
            case .zeroDimension: kind = "zeroDimension"
            case .invalidParameter: kind = "invalidParameter"
            }
            #expect(kind == expected, "\(error)")
            #expect(error.description.contains(file), "message does not name the file: \(error)")
        }
    }

    @Test("libpng and libjpeg messages reach the caller")
    func messages() throws {
        let decoder = ImageDecoder()
        #expect(throws: ImageError.self) { try decoder.decode(contentsOf: FixtureFiles.url("bad/bad_huffman.jpg")) }
        do {
            _ = try decoder.decode(contentsOf: FixtureFiles.url("bad/bad_huffman.jpg"))
        } catch {
            #expect("\(error)".contains("Huffman"), "\(error)")
        }
        do {
            _ = try decoder.decode(contentsOf: FixtureFiles.url("bad/truncated.jpg"))
        } catch {
            #expect("\(error)".contains("truncated"), "\(error)")
        }
        do {
            _ = try decoder.decode(contentsOf: FixtureFiles.url("bad/crc_error.png"))
        } catch {
            #expect("\(error)".lowercased().contains("crc"), "\(error)")
        }
    }

    @Test("the pixel limit is configurable and checked from the header")
    func pixelLimit() throws {
        let url = FixtureFiles.url("decode/coffee_333x517.jpg")
        #expect(throws: ImageError.tooManyPixels(file: url.path, width: 333, height: 517, limit: 100_000)) {
            try ImageDecoder(maxPixels: 100_000).decode(contentsOf: url)
        }
        #expect(try ImageDecoder(maxPixels: 333 * 517).decode(contentsOf: url).width == 333)
    }

    @Test("a missing file and a directory are named errors")
    func missingFile() {
        #expect(throws: FuseError.self) { try ImageDecoder().decode(contentsOf: FixtureFiles.url("nope.png")) }
        #expect(throws: FuseError.self) { try ImageDecoder().decode(contentsOf: FixtureFiles.directory) }
    }

    @Test("a malformed preprocessor_config.json is a named configuration error")
    func badConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-image-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("preprocessor_config.json")
        for body in [
            #"{"resample": 0}"#, #"{"size": {"max_height": 3}}"#, #"{"image_mean": [0.5, 0.5]}"#,
            #"{"do_resize": "yes"}"#, #"[1, 2]"#, "not json", #"{"image_std": [0, 1, 1]}"#,
        ] {
            try Data(body.utf8).write(to: file)
            #expect(throws: FuseError.self, "\(body)") { try ImagePreprocessor(configURL: file) }
        }
    }
}
