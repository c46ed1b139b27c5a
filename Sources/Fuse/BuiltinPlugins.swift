import AudioFrames
import ImagePatch
import FuseCore

/// The plugins that ship with Fuse, in precedence order.
public enum BuiltinPlugins {
    /// Every built-in plugin.
    public static var all: [any ModalityPlugin] { [ImagePlugin(), AudioPlugin()] }

    /// A registry holding the built-in plugins.
    public static func registry() throws -> PluginRegistry { try PluginRegistry(all) }
}
