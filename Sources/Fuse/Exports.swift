@_exported import FuseCore
@_exported import FuseModels
