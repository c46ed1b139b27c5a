import AudioFrames
import FuseCore
import ImagePatch
import TextBPE

/// The plugins that ship with Fuse, in precedence order.
public enum BuiltinPlugins {
    /// Every built-in plugin: text, image, audio.
    public static var all: [any ModalityPlugin] { [TextPlugin(), ImagePlugin(), AudioPlugin()] }

    /// A registry holding the built-in plugins.
    public static func registry() throws -> PluginRegistry { try PluginRegistry(all) }
}
