@_exported import FuseCore
@_exported import FuseModels
@_exported import FusePluginLoader
