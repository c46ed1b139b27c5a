import Foundation
import FuseCore

extension EncoderModel {
    /// A text-only model (BERT, ModernBERT, DeBERTa) from its embedder and stack: checks that the folder's tokenizer
    /// fits the `vocabSize`-row table, takes pooling and the sequence limit from a sentence-transformers folder when
    /// there is one (else mean pooling and `positions`), and caps the limit at `positions`.
    static func textModel(
        directory: URL, modelType: String, embedder: any ModalityEmbedder, encoder: any EncoderStack,
        vocabSize: Int, positions: Int
    ) throws -> EncoderModel {
        try TokenizerVocabulary.check(directory: directory, vocabSize: vocabSize)
        let sentenceTransformers = try SentenceTransformersConfig.load(directory: directory)
        let tower = Tower(
            modality: .text, embedder: embedder, encoder: encoder,
            pooling: sentenceTransformers?.pooling ?? .mean)
        let maxTokens = min(sentenceTransformers?.maxSequenceLength ?? positions, positions)
        return EncoderModel(
            directory: directory, modelType: modelType, towers: [.text: tower],
            preprocessing: [.text: PreprocessingContext(modelDirectory: directory, maxTokens: maxTokens)])
    }
}
