/// FuseModels: the shared transformer encoder and the model families (CLIP, BERT, ViT, AST, Meta-Transformer)
/// loaded from Hugging Face folders. Clients get FuseCore's types with it.
@_exported import FuseCore
