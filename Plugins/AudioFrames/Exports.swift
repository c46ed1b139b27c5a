// The audio plugin's API speaks FuseCore's types (AudioBuffer, Tensor, Tokens), so it re-exports them.
@_exported import FuseCore
