import Foundation

extension ImagePreprocessor {
    /// Reads a Hugging Face `preprocessor_config.json` (`CLIPImageProcessor`, `ViTImageProcessor` and processors
    /// with the same fields). Fields missing from the file take the processor class's defaults, as transformers
    /// does; a legacy integer `size` means "shortest edge" for CLIP-like classes and a square otherwise.
    public init(configURL: URL) throws {
        try FuseError.requireFile(configURL)
        let file = configURL.path
        let data: Data
        do { data = try FileContents.data(at: configURL) } catch {
            throw FuseError.unreadable(path: file, reason: FileErrorReason.describe(error))
        }
        let value: ConfigValue
        do {
            // JSONDecoder parses numbers correctly rounded (JSONSerialization on Linux is off by an ulp on
            // values such as rescale_factor = 0.00392156862745098).
            value = try JSONErrorReason.decode(ConfigValue.self, from: data)
        } catch {
            throw FuseError.invalidConfig(file: file, reason: JSONErrorReason.describe(error, in: data))
        }
        guard case .object(let json) = value else {
            throw FuseError.invalidConfig(file: file, reason: "top level is not a JSON object")
        }
        try self.init(json: json, file: file)
    }

    /// Builds a preprocessor from the parsed fields of a `preprocessor_config.json`; `file` names it in errors.
    init(json: [String: ConfigValue], file: String) throws {
        let kind = (json["image_processor_type"]?.string ?? json["feature_extractor_type"]?.string) ?? ""
        // Processor classes whose integer `size` is a shortest edge and which crop by default.
        let clipLike = ["CLIP", "ChineseCLIP", "Bit", "Owlv2", "BridgeTower"].contains { kind.hasPrefix($0) }

        func flag(_ key: String, _ fallback: Bool) throws -> Bool {
            guard let value = json[key], value != .null else { return fallback }
            guard case .bool(let bool) = value else {
                throw FuseError.invalidConfig(file: file, reason: "'\(key)' must be true or false, got \(value)")
            }
            return bool
        }
        func number(_ value: ConfigValue, _ key: String) throws -> Double {
            guard case .number(let number) = value else {
                throw FuseError.invalidConfig(file: file, reason: "'\(key)' must be a number, got \(value)")
            }
            return number
        }
        func integer(_ value: ConfigValue, _ key: String) throws -> Int {
            let d = try number(value, key)
            guard d == d.rounded(), d > 0, d < 1e6 else {
                throw FuseError.invalidConfig(file: file, reason: "'\(key)' must be a positive integer, got \(value)")
            }
            return Int(d)
        }
        func channels(_ key: String, _ fallback: [Float]) throws -> [Float] {
            guard let value = json[key], value != .null else { return fallback }
            if case .array(let list) = value {
                let values = try list.map { Float(try number($0, key)) }
                guard values.count == 3 else {
                    throw FuseError.invalidConfig(file: file, reason: "'\(key)' needs 3 values, got \(values.count)")
                }
                return values
            }
            let single = Float(try number(value, key))
            return [single, single, single]
        }

        var resize: Resize?
        if try flag("do_resize", true) {
            switch json["size"] {
            case nil, .null?:
                resize = clipLike ? .shortestEdge(224) : .exact(width: 224, height: 224)
            case .object(let dict)?:
                if let edge = dict["shortest_edge"], edge != .null {
                    if let longest = dict["longest_edge"], longest != .null {
                        throw FuseError.invalidConfig(file: file, reason: "'size.longest_edge' is not supported")
                    }
                    resize = .shortestEdge(try integer(edge, "size.shortest_edge"))
                } else if let h = dict["height"], let w = dict["width"] {
                    resize = .exact(width: try integer(w, "size.width"), height: try integer(h, "size.height"))
                } else {
                    throw FuseError.invalidConfig(
                        file: file,
                        reason: "'size' needs 'shortest_edge' or 'height' and 'width', got keys \(dict.keys.sorted())")
                }
            case let value?:
                let size = try integer(value, "size")
                resize = clipLike ? .shortestEdge(size) : .exact(width: size, height: size)
            }
        }

        let resampleCode = try json["resample"].flatMap { $0 == .null ? nil : try integer($0, "resample") }
        let filter: ResampleFilter
        if let code = resampleCode {
            guard let f = ResampleFilter(rawValue: code) else {
                throw FuseError.invalidConfig(
                    file: file,
                    reason: "'resample' = \(code) is not a supported Pillow filter "
                        + "(supported: 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)")
            }
            filter = f
        } else {
            filter = clipLike ? .bicubic : .bilinear
        }

        var cropWidth: Int?, cropHeight: Int?
        if try flag("do_center_crop", clipLike) {
            switch json["crop_size"] {
            case nil, .null?:
                cropWidth = 224; cropHeight = 224
            case .object(let dict)?:
                guard let h = dict["height"], let w = dict["width"] else {
                    throw FuseError.invalidConfig(file: file, reason: "'crop_size' needs 'height' and 'width'")
                }
                cropWidth = try integer(w, "crop_size.width"); cropHeight = try integer(h, "crop_size.height")
            case let value?:
                cropWidth = try integer(value, "crop_size"); cropHeight = cropWidth
            }
        }

        var rescale: Rescale?
        if try flag("do_rescale", true) {
            let factor = try json["rescale_factor"].flatMap { $0 == .null ? nil : try number($0, "rescale_factor") }
            rescale = .multiply(factor ?? 1.0 / 255.0)
        }
        var mean: [Float]?, std: [Float]?
        if try flag("do_normalize", true) {
            mean = try channels("image_mean", clipLike ? Self.clipMean : Self.standardMean)
            std = try channels("image_std", clipLike ? Self.clipStd : Self.standardStd)
        }
        do {
            try self.init(
                resize: resize, filter: filter, cropWidth: cropWidth, cropHeight: cropHeight,
                cropRounding: .floor, rescale: rescale, mean: mean, std: std)
        } catch let error as ImageError {
            throw FuseError.invalidConfig(file: file, reason: error.description)
        }
    }
}

/// A parsed JSON value of a preprocessor configuration.
enum ConfigValue: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ConfigValue])
    case object([String: ConfigValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([ConfigValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: ConfigValue].self))
        }
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .number(let value): String(value)
        case .string(let value): "\"\(value)\""
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let dict): "{" + dict.keys.sorted().joined(separator: ", ") + "}"
        }
    }
}
