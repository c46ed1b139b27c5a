// swift-tools-version: 6.1
// Fuse: files of any modality → embeddings in one shared space, and their fusion.
import PackageDescription

/// Release builds of the numeric code may use the host's vector units (AVX2 + FMA on the CI machine kind).
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release))
]

let package = Package(
    name: "Fuse",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Fuse", targets: ["Fuse"]),
        .library(name: "FuseCore", targets: ["FuseCore"]),
        .library(name: "FuseModels", targets: ["FuseModels"]),
        .library(name: "FuseTokenizers", targets: ["FuseTokenizers"]),
        .library(name: "TextBPE", targets: ["TextBPE"]),
        .library(name: "ImagePatch", targets: ["ImagePatch"]),
        .library(name: "AudioFrames", targets: ["AudioFrames"]),
        .library(name: "FusePluginLoader", targets: ["FusePluginLoader"]),
        .library(name: "FusePluginKit", targets: ["FusePluginKit"]),
        .library(name: "FuseIndex", targets: ["FuseIndex"]),
        .library(name: "FuseServer", targets: ["FuseServer"]),
        .library(name: "FuseHub", targets: ["FuseHub"]),
        .library(name: "FuseTrain", targets: ["FuseTrain"]),
        .library(name: "FuseNER", targets: ["FuseNER"]),
        .executable(name: "fuse", targets: ["fuse"]),
        .executable(name: "fuse-bench", targets: ["fuse-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // fuse serve: HTTP, /metrics, signals and logs. Hummingbird's optional traits (swift-configuration) are off.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // fuse pull / --download: the Hugging Face Hub's HTTP protocol (TLS through NIOSSL).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // SHA-256 (manifest fingerprints, Hub blob verification); already in the graph through the TLS stack.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // System libraries from Debian (installed by .ci/run).
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng16",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CSndFile", path: "Sources/CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(
            name: "CKissFFT", path: "Sources/CKissFFT", pkgConfig: "kissfft-float",
            providers: [.apt(["libkissfft-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),

        // C wrappers that keep libpng's and libjpeg's longjmp error paths out of Swift frames.
        .target(
            name: "CImageShims", path: "Sources/CImageShims",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),

        // Fuse's own C kernels (fused attention, int8/bf16 element-wise work), built per ISA and chosen at run time.
        .target(
            name: "CFuseKernels", path: "Sources/CFuseKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        // oneDNN's matmul for reduced-precision (int8, bf16) linear layers (Debian libdnnl-dev).
        .target(
            name: "CFuseDNNL", dependencies: ["CFuseKernels"], path: "Sources/CFuseDNNL",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dnnl")]),

        // Core: tensors, kernels, safetensors, the plugin protocol and registry.
        .target(
            name: "FuseCore",
            dependencies: [
                "CBLAS", "CFuseDNNL", "CFuseKernels", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: numericSettings),

        // The one reader of tokenizer files: tokenizer.json (BPE, WordPiece, Unigram; normalizers, pre-tokenizers,
        // post-processors, decoders), GPT-2/BERT/CLIP vocabulary files.
        .target(name: "FuseTokenizers", dependencies: ["FuseCore", "CZlib"], swiftSettings: numericSettings),

        // Built-in modality plugins.
        .target(
            name: "TextBPE", dependencies: ["FuseCore", "FuseTokenizers"], path: "Plugins/TextBPE",
            swiftSettings: numericSettings),
        .target(
            name: "ImagePatch", dependencies: ["FuseCore", "CImageShims"], path: "Plugins/ImagePatch",
            swiftSettings: numericSettings),
        .target(
            name: "AudioFrames", dependencies: ["FuseCore", "CSndFile", "CKissFFT"], path: "Plugins/AudioFrames",
            swiftSettings: numericSettings),

        // Run-time plugins: the C ABI (include/fuse_plugin.h), its dlopen loader, and the Swift authoring kit.
        .systemLibrary(name: "CFusePluginABI", path: "Sources/CFusePluginABI"),
        .target(name: "FusePluginLoader", dependencies: ["FuseCore", "CFusePluginABI"]),
        .target(name: "FusePluginKit", dependencies: ["CFusePluginABI"]),

        // Models, the public API, LENS and FuseLLM.
        .target(
            name: "FuseModels", dependencies: ["FuseCore", "FuseTokenizers", "CFuseKernels"],
            swiftSettings: numericSettings),
        .target(
            name: "Fuse",
            dependencies: [
                "FuseCore", "FuseModels", "TextBPE", "ImagePatch", "AudioFrames", "FusePluginLoader", "CPNG",
            ],
            swiftSettings: numericSettings),
        .target(
            name: "FuseLENS", dependencies: ["Fuse"], resources: [.copy("Vocabularies")],
            swiftSettings: numericSettings),
        .target(name: "FuseLLM", dependencies: ["FuseModels", "FuseTokenizers"], swiftSettings: numericSettings),
        // GLiNER zero-shot named-entity recognition over the model families' backbones.
        .target(
            name: "FuseNER", dependencies: ["FuseCore", "FuseModels", "FuseTokenizers"],
            swiftSettings: numericSettings),
        // The embedded search index (SQLite through its C API, brute-force scoring; the int8 kernel in C).
        .target(name: "CIndexKernels", path: "Sources/CIndexKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(
            name: "FuseIndex", dependencies: ["Fuse", "FuseCore", "CSQLite", "CIndexKernels", "ImagePatch", "CPNG"],
            swiftSettings: numericSettings),

        // SetFit: few-shot classification trained natively (encoder backward passes, AdamW, the logistic head).
        .target(
            name: "FuseTrain", dependencies: ["CFuseKernels", "Fuse", "FuseCore", "FuseModels", "FuseTokenizers"],
            swiftSettings: numericSettings),

        // fuse serve: OpenAI- and TEI-compatible HTTP routes over a batching queue per model.
        .target(
            name: "FuseServer",
            dependencies: [
                "Fuse", "FuseLENS", "FuseTokenizers", "TextBPE", "ImagePatch", "AudioFrames",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),

        // Downloads from the Hugging Face Hub into its standard cache (the HTTP stack stays out of FuseModels).
        .target(
            name: "FuseHub",
            dependencies: [
                "FuseCore", "FuseModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),

        // The command-line tool: thin, parses and calls the libraries.
        .executableTarget(
            name: "fuse",
            dependencies: [
                "Fuse", "FuseLENS", "FuseLLM", "FusePluginLoader", "FuseTokenizers", "TextBPE", "FuseIndex",
                "FuseServer",
                "FuseHub", "FuseTrain", "FuseNER",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The benchmark harness (random models, FLOP counts, peers); `fuse bench` forwards to it.
        .executableTarget(
            name: "fuse-bench",
            dependencies: [
                "Fuse", "FuseLENS", "FuseLLM", "CBLAS", "ImagePatch", "AudioFrames", "FuseTokenizers", "TextBPE",
                "FuseIndex", "FuseServer", "FuseTrain", "FuseNER",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ], path: "Benchmarks/FuseBench", swiftSettings: numericSettings),

        // Tests (Swift Testing); fixtures live in Tests/Fixtures and are generated by tools/reference.
        .testTarget(
            name: "FuseCoreTests",
            dependencies: [
                "FuseCore", "CBLAS", "CPNG", "CJPEG", "CSndFile", "CKissFFT",
                "FuseTestSupport",
            ]),
        .testTarget(
            name: "FuseModelsTests",
            dependencies: [
                "FuseModels", "Fuse", "ImagePatch", "AudioFrames",
                "FuseTestSupport",
            ]),
        // Shared by every test target: the built `fuse` binary, fixture paths, tolerance helpers.
        .target(name: "FuseTestSupport", dependencies: ["FuseCore"], path: "Tests/FuseTestSupport"),
        .testTarget(name: "FuseTests", dependencies: ["Fuse", "FuseTestSupport"]),
        .testTarget(name: "FuseIndexTests", dependencies: ["FuseIndex", "Fuse", "ImagePatch", "FuseTestSupport"]),
        .testTarget(name: "FuseLENSTests", dependencies: ["FuseLENS", "Fuse", "FuseTestSupport"]),
        .testTarget(name: "AudioFramesTests", dependencies: ["AudioFrames", "FuseTestSupport"]),
        .testTarget(name: "TextBPETests", dependencies: ["FuseTokenizers", "TextBPE", "Fuse", "FuseTestSupport"]),
        .testTarget(name: "ImagePatchTests", dependencies: ["ImagePatch", "FuseTestSupport"]),
        .testTarget(name: "FuseNERTests", dependencies: ["FuseNER", "FuseModels", "FuseTestSupport"]),
        .testTarget(name: "FuseLLMTests", dependencies: ["FuseLLM", "FuseTokenizers", "FuseTestSupport"]),
        .testTarget(
            name: "FusePluginLoaderTests",
            dependencies: [
                "FusePluginLoader", "FusePluginKit", "FuseCore",
                "FuseTestSupport",
            ]),
        .testTarget(name: "FuseTrainTests", dependencies: ["FuseTrain", "Fuse", "FuseModels", "FuseTestSupport"]),
        .testTarget(name: "FuseServerTests", dependencies: ["FuseServer", "Fuse", "FuseTestSupport"]),
        .testTarget(
            name: "FuseHubTests",
            dependencies: [
                "FuseHub", "Fuse", "FuseModels", "FuseTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "Fuse", "FuseCore", "FuseModels", "FuseTokenizers", "TextBPE",
                "ImagePatch", "AudioFrames", "FusePluginLoader", "FuseTestSupport",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
