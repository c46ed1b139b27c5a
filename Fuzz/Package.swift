// swift-tools-version: 6.1
// libFuzzer targets for Fuse's decoders and loaders. A package of its own, so the fuzzing build (instrumented with
// `-sanitize=fuzzer,address`, every target built `-parse-as-library` because libFuzzer supplies `main`) never mixes
// with the main package's build. Build and run through `tools/fuzz.sh`; see docs/RELIABILITY.md.
import PackageDescription

/// One executable per fuzz target; each defines `LLVMFuzzerTestOneInput` in its `main.swift`.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzSafetensors", [.product(name: "FuseCore", package: "Fuse")]),
    ("FuzzModelConfig", [.product(name: "FuseModels", package: "Fuse"), .product(name: "FuseCore", package: "Fuse")]),
    (
        "FuzzPreprocessorConfig",
        [
            .product(name: "FuseCore", package: "Fuse"), .product(name: "ImagePatch", package: "Fuse"),
            .product(name: "AudioFrames", package: "Fuse"),
        ]
    ),
    ("FuzzTokenizerFiles", [.product(name: "FuseTokenizers", package: "Fuse")]),
    ("FuzzTokenize", [.product(name: "FuseTokenizers", package: "Fuse")]),
    ("FuzzImage", [.product(name: "ImagePatch", package: "Fuse"), .product(name: "FuseCore", package: "Fuse")]),
    ("FuzzAudio", [.product(name: "AudioFrames", package: "Fuse"), .product(name: "FuseCore", package: "Fuse")]),
    ("FuzzPluginRegistry", [.product(name: "FusePluginLoader", package: "Fuse")]),
    ("FuzzInputLists", [.product(name: "Fuse", package: "Fuse")]),
    ("FuzzIndex", [.product(name: "FuseIndex", package: "Fuse")]),
    (
        "FuzzServeRequests",
        [
            .product(name: "FuseServer", package: "Fuse"), .product(name: "FuseTokenizers", package: "Fuse"),
            .product(name: "TextBPE", package: "Fuse"),
        ]
    ),
]

let package = Package(
    name: "FuseFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Fuse", path: "..")],
    targets: [
        .target(name: "CFuzzDriver", path: "Sources/CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Sources/FuzzSupport"),
    ]
        + fuzzTargets.map { target in
            .executableTarget(
                name: target.name, dependencies: target.dependencies + ["FuzzSupport"],
                path: "Sources/\(target.name)")
        },
    swiftLanguageModes: [.v6]
)
