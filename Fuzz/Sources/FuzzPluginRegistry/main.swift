import Foundation
import FusePluginLoader
import FuzzSupport

/// The user's plugin registry file (`plugins.json`): read, and when it reads, written back and read again, which
/// must give the same entries.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPluginRegistry(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let url = Scratch.write(UnsafeRawBufferPointer(start: start, count: count), to: "plugins.json")
    let registry = PluginRegistryFile(url: url)
    guard let plugins = try? registry.read() else { return 0 }
    do {
        try registry.write(plugins)
        let again = try registry.read()
        if again != plugins {
            FileHandle.standardError.write(Data("registry round trip changed the entries\n".utf8))
            abort()
        }
    } catch {
        FileHandle.standardError.write(Data("a registry that reads failed to write back: \(error)\n".utf8))
        abort()
    }
    return 0
}

@_cdecl("FuzzPluginRegistry_main")
public func fuzzPluginRegistryMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzPluginRegistry(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzPluginRegistry(UnsafeRawPointer(data), size)
    }
}
