import FusePluginKit

/// The plugin: `.npy` arrays become features. A 2-D float array `[T, P]` is T feature vectors of width P; a 1-D float
/// array is one vector per element (`[N, 1]`); a 1-D integer array is a sequence of token ids.
let plugin = FusePluginExport(
    id: "npy-features", modality: "features", extensions: ["npy"], mimeTypes: ["application/x-npy"],
    signatures: [PluginSignature(offset: 0, bytes: [0x93] + Array("NUMPY".utf8))]
) { path in
    try NpyArray(contentsOf: path).pluginOutput()
}

/// The one line that turns this library into a Fuse plugin.
@_cdecl("fuse_plugin_entry")
public func fusePluginEntry() -> UnsafeRawPointer { plugin.descriptor }
