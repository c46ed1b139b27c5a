/// FuseLLM: knowledge fusion of causal language models with different tokenizers (Wan et al., "Knowledge
/// Fusion of Large Language Models", ICLR 2024; fanqiwan/FuseLLM), natively in Swift.
///
/// The pipeline: per-token top-k distributions of every model over a corpus (``DistributionExtractor``), the
/// alignment of each source model's steps to the base model's tokens (``StepAligner`` with the
/// ``VocabularyMapping``), and the fusion of the aligned distributions into one target per base step
/// (``Fusion``: MinCE / AvgCE), exported for a trainer. See docs/LLM.md for the recipe and the places where
/// FuseLLM's code departs from its paper.
@_exported import FuseCore
@_exported import FuseModels
