/// A class label as a training file spells it: a string or an integer (SetFit accepts both; sklearn keeps them
/// in `classes_`). Labels sort integers first (numerically), then strings, which is sklearn's order for either kind.
public enum ClassLabel: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    case integer(Int)
    case string(String)

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .string(let value): return value
        }
    }

    public static func < (a: ClassLabel, b: ClassLabel) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y
        case (.string(let x), .string(let y)): return x < y
        case (.integer, .string): return true
        case (.string, .integer): return false
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}
