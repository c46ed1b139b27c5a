import Foundation
import Fuse

/// One `--model [NAME=]DIR|ORG/NAME` argument: the name clients use in requests and where the model lives.
public struct ModelSpec: Sendable, Equatable {
    /// The name requests select the model by (`"model": NAME`).
    public let name: String
    /// The folder or `org/name` as given.
    public let location: String

    public init(name: String, location: String) {
        self.name = name
        self.location = location
    }

    /// Parses `NAME=LOCATION` or `LOCATION`; without a name, the folder's last path component (for `org/name`:
    /// `name`) is the name.
    public init(parsing argument: String) throws {
        let location: String
        var name: String?
        if let equals = argument.firstIndex(of: "="), !argument[..<equals].contains("/") {
            name = String(argument[..<equals])
            location = String(argument[argument.index(after: equals)...])
        } else {
            location = argument
        }
        guard !location.isEmpty else {
            throw ServeSetupError.invalidModelArgument(argument, reason: "no model folder after '='")
        }
        name = name ?? URL(fileURLWithPath: location).standardizedFileURL.lastPathComponent
        guard let name, !name.isEmpty else {
            throw ServeSetupError.invalidModelArgument(argument, reason: "empty model name before '='")
        }
        self.init(name: name, location: location)
    }

    /// The model folder: an existing folder, else `org/name` in the Hugging Face cache (never downloaded).
    public func resolve() throws -> URL {
        try ModelLocator.resolve(location)
    }
}
