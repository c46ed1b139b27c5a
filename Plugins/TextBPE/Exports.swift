@_exported import FuseCore
