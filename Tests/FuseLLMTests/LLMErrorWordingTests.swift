import Testing
@testable import FuseLLM

/// FuseLLM's errors say what is wrong and where in the library's terms; only the CLI (ErrorAdvice) names `fuse llm`
/// steps and flags (LLMCLITests checks that advice through the binary).
@Suite("FuseLLM error wording")
struct LLMErrorWordingTests {
    static let errors: [LLMError] = [
        .missingManifest(file: "d/manifest.json"),
        .incompleteModel(file: "d/manifest.json", model: "gpt2-a", completed: 1, total: 3),
        .missingAlignment(file: "d/aligned-gpt2-b/aligned-00000.safetensors", source: "gpt2-b"),
        .sequenceLongerThanWindow(model: "gpt2-a", line: 7, tokens: 24, window: 8),
        .invalidOption(name: "topK", reason: "must be at least 1"),
    ]

    @Test("each names its file or parameter and no CLI flag or command", arguments: errors)
    func wording(_ error: LLMError) {
        let text = error.description
        #expect(!text.contains("--") && !text.contains("fuse llm"), "\(text)")
        #expect(text.contains("d/") || text.contains("gpt2-a") || text.contains("topK"), "\(text)")
    }

    @Test("an incomplete model says how far the extraction got")
    func incomplete() {
        #expect(
            LLMError.incompleteModel(file: "d/manifest.json", model: "gpt2-a", completed: 1, total: 3).description
                == "d/manifest.json: invalid distribution file: model 'gpt2-a' has 1 of 3 shards; resume the extraction"
        )
    }
}
