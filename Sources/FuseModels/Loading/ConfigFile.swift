import Foundation
import FuseCore

/// A JSON configuration file (`config.json`, `1_Pooling/config.json`, …) read into typed fields. Every accessor
/// throws a `ModelError` naming the file and field, so families never crash on a malformed config.
///
/// Lives only while a model loads; families copy what they need into plain `Sendable` config structs.
public struct ConfigFile {
    /// The file's path, used in error messages.
    public let path: String
    /// A dotted path prefix for nested objects (e.g. `"text_config."`), used in error messages.
    let fieldPrefix: String
    let object: [String: Any]

    /// Reads and parses `url`; the top level must be a JSON object.
    public init(url: URL) throws {
        try FuseError.requireFile(url)
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        let parsed = try JSONErrorReason.jsonObject(data) { FuseError.invalidConfig(file: url.path, reason: $0) }
        guard let object = parsed as? [String: Any] else {
            throw FuseError.invalidConfig(file: url.path, reason: "not a JSON object")
        }
        self.init(path: url.path, fieldPrefix: "", object: object)
    }

    init(path: String, fieldPrefix: String, object: [String: Any]) {
        self.path = path
        self.fieldPrefix = fieldPrefix
        self.object = object
    }

    public func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func missing(_ key: String) -> ModelError { .missingField(file: path, field: fieldPrefix + key) }
    func invalid(_ key: String, _ reason: String) -> ModelError {
        .invalidField(file: path, field: fieldPrefix + key, reason: reason)
    }

    /// A nested object, e.g. CLIP's `text_config`.
    public func section(_ key: String) throws -> ConfigFile {
        guard let value = object[key] else { throw missing(key) }
        guard let nested = value as? [String: Any] else { throw invalid(key, "should be an object") }
        return ConfigFile(path: path, fieldPrefix: fieldPrefix + key + ".", object: nested)
    }

    /// The keys of the object, sorted.
    public var keys: [String] { object.keys.sorted() }

    public func string(_ key: String) throws -> String {
        guard let value = object[key] else { throw missing(key) }
        guard let string = value as? String else { throw invalid(key, "should be a string") }
        return string
    }

    public func string(_ key: String, default fallback: String) throws -> String {
        has(key) ? try string(key) : fallback
    }

    /// A positive integer (sizes and counts).
    public func int(_ key: String) throws -> Int {
        guard let value = object[key] else { throw missing(key) }
        guard let integer = JSONNumber.exactInteger(value) else {
            throw invalid(key, "should be an integer of at most ±2⁵³, got \(value)")
        }
        return integer
    }

    public func int(_ key: String, default fallback: Int) throws -> Int {
        has(key) ? try int(key) : fallback
    }

    /// A positive integer; zero and negative values are reported as invalid.
    public func size(_ key: String) throws -> Int {
        let value = try int(key)
        guard value > 0 else { throw invalid(key, "should be positive, got \(value)") }
        return value
    }

    public func size(_ key: String, default fallback: Int) throws -> Int {
        has(key) ? try size(key) : fallback
    }

    public func double(_ key: String) throws -> Double {
        guard let value = object[key] else { throw missing(key) }
        guard let number = value as? NSNumber, !JSONNumber.isBoolean(value) else {
            throw invalid(key, "should be a number")
        }
        return number.doubleValue
    }

    public func double(_ key: String, default fallback: Double) throws -> Double {
        has(key) ? try double(key) : fallback
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard has(key) else { return fallback }
        guard let value = object[key], JSONNumber.isBoolean(value), let flag = value as? Bool else {
            throw invalid(key, "should be true or false")
        }
        return flag
    }

    /// An array of integers, e.g. `patch_stride: [10, 10]`.
    public func ints(_ key: String) throws -> [Int] {
        guard let value = object[key] else { throw missing(key) }
        guard let numbers = value as? [NSNumber], !numbers.contains(where: JSONNumber.isBoolean) else {
            throw invalid(key, "should be an array of integers")
        }
        return try numbers.map { number in
            guard let integer = JSONNumber.exactInteger(number) else {
                throw invalid(key, "should hold integers of at most ±2⁵³, got \(number)")
            }
            return integer
        }
    }

    /// `hidden_act` (or another activation field) as a kernel activation.
    public func activation(_ key: String, default fallback: String? = nil) throws -> Activation {
        let name = has(key) || fallback == nil ? try string(key) : fallback!
        guard let activation = Activation(huggingFaceName: name) else {
            throw invalid(
                key,
                "names an unsupported activation '\(name)' (supported: gelu, gelu_new, "
                    + "gelu_pytorch_tanh, quick_gelu, silu, relu)")
        }
        return activation
    }
}
