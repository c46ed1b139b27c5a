// swift-tools-version: 6.1
// npy-features: an example Fuse plugin written in Swift with FusePluginKit, built out of tree as its own package.
// It depends on Fuse only for FusePluginKit (a few hundred lines over the C ABI); the result is a plain C-ABI
// shared library any build of `fuse` can load:  swift build -c release && fuse plugins register \
//   .build/release/libNpyFeatures.so
import PackageDescription

let package = Package(
    name: "NpyFeatures",
    products: [
        .library(name: "NpyFeatures", type: .dynamic, targets: ["NpyFeatures"]),
    ],
    dependencies: [
        // Out of tree you would point at a release instead: .package(url: "https://…/Fuse.git", from: "0.1.0").
        .package(name: "Fuse", path: "../../.."),
    ],
    targets: [
        .target(name: "NpyFeatures", dependencies: [.product(name: "FusePluginKit", package: "Fuse")]),
    ],
    swiftLanguageModes: [.v6]
)
