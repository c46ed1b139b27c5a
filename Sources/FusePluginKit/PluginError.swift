#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An error a Swift plugin throws from its decode closure; its message reaches the user through Fuse, which
/// prefixes the file and plugin names. Any other thrown error is reported through its `description`.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The ABI's `last_error` contract — a message per thread, valid until that thread's next failure — kept in
/// thread-specific storage holding a `strdup`ed C string (freed when replaced or when the thread exits).
enum ThreadError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    static func set(_ message: String) {
        free(pthread_getspecific(key))
        pthread_setspecific(key, strdup(message))
    }

    static func current() -> UnsafePointer<CChar>? {
        pthread_getspecific(key).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
    }
}
