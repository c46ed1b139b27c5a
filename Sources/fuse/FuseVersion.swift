/// The version `fuse --version` prints.
enum FuseVersion {
    static let string = "0.1.0"
}
