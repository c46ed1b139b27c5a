@_exported import Fuse
