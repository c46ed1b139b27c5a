import ArgumentParser

/// `fuse llm …`: FuseLLM — knowledge fusion of causal LMs with different tokenizers.
struct LLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Fuse causal language models with different tokenizers (FuseLLM: logits → align → fuse; generate).",
        discussion: """
            The FuseLLM recipe (Wan et al., ICLR 2024) in four steps:
              1. fuse llm logits    every model's per-token top-k logits and per-sequence cross-entropy over a corpus
              2. fuse llm align     each source model's steps mapped onto the base model's tokens and vocabulary
              3. fuse llm fuse      one target distribution per base token (MinCE / AvgCE), exported for a trainer
              4. (train the base model on λ·L_CLM + (1−λ)·L_fuse — see docs/LLM.md)
            and, without training, `fuse llm generate` decodes with the fused next-token distributions.
            Models are Hugging Face folders (config.json, model.safetensors, tokenizer.json) of the gpt2 or llama family.
            """,
        subcommands: [LLMLogitsCommand.self, LLMAlignCommand.self, LLMFuseCommand.self, LLMGenerateCommand.self]
    )
}
