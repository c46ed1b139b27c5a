import Foundation
import FuseCore
import FuseModels
import FuseTestSupport
import Testing

@testable import FuseNER

/// `NERPrecisionRecipe`: its text form, and that `NERModel.load(directory:recipe:)` gives each backbone GEMM the
/// precision the recipe names (the agreement with fp32 is `NERPrecisionTests`' and `fuse-bench ner`'s).
@Suite struct NERPrecisionRecipeTests {
    @Test func textFormRoundTrips() throws {
        let recipe = NERPrecisionRecipe(
            queryKeyValue: .int8, attentionOutput: .bf16, intermediate: .int8, output: .fp32, int8TokenTable: false,
            lastLayers: 2, lastLayersPrecision: .bf16)
        #expect(try NERPrecisionRecipe(parsing: recipe.description) == recipe)
        #expect(recipe.precision == .int8)
        #expect(NERPrecisionRecipe.uniform(.bf16).precision == .bf16)
        #expect(NERPrecisionRecipe.uniform(.fp32).precision == .fp32)
        // Keys left out keep the base recipe's values.
        let partial = try NERPrecisionRecipe(parsing: "fc2=fp32", base: .uniform(.bf16))
        #expect(
            partial
                == NERPrecisionRecipe(
                    queryKeyValue: .bf16, attentionOutput: .bf16, intermediate: .bf16, output: .fp32,
                    int8TokenTable: false))
    }

    /// `--precision int8` runs the recipe docs/NER.md names (measured on the fine-tuned bench model): q/k/v and the
    /// attention output int8, `fc1` and `fc2` bf16 where the CPU has native bf16, the token table int8, no block
    /// kept aside; bf16 is every GEMM bf16.
    @Test func int8RunsTheDocumentedRecipe() throws {
        let sensitive = PrecisionConverter.sensitiveInt8Precision
        let documented = try NERPrecisionRecipe(
            parsing: "qkv=int8,out=int8,fc1=\(sensitive),fc2=\(sensitive),table=int8,last=0:fp32")
        #expect(NERPrecisionRecipe.recipe(for: .int8) == documented)
        #expect(NERPrecisionRecipe.glinerInt8 == documented)
        #expect(NERPrecisionRecipe.glinerInt8 != NERPrecisionRecipe.sharedInt8)
        #expect(NERPrecisionRecipe.recipe(for: .bf16) == .uniform(.bf16))
        #expect(NERPrecisionRecipe.recipe(for: .fp32) == .uniform(.fp32))
        let model = try NERModel.load(directory: FixturePaths.url("ner/gliner-tiny"), precision: .int8)
        if model.precision == .int8 { #expect(model.recipe == documented) }
    }

    @Test(arguments: ["qkv", "size=int8", "fc1=int4", "last=x", "last=1:fp16"])
    func unreadablePartsAreNamed(text: String) {
        #expect(throws: FuseError.self) { try NERPrecisionRecipe(parsing: text) }
    }

    /// Each block's GEMMs in the recipe's precisions, the last `lastLayers` blocks in theirs, the heads fp32.
    @Test func loadAppliesTheRecipe() throws {
        let name = GLiNERFixture.names[0]
        let recipe = NERPrecisionRecipe(
            queryKeyValue: .int8, attentionOutput: .bf16, intermediate: .int8, output: .fp32, int8TokenTable: true,
            lastLayers: 1, lastLayersPrecision: .bf16)
        let model = try NERModel.load(directory: FixturePaths.url("ner/\(name)"), recipe: recipe)
        guard model.precision != .fp32 else {
            #expect(model.precisionNote != nil)
            return
        }
        #expect(model.recipe == recipe)
        let stack = try #require(model.backbone.encoder as? DeBERTaEncoder)
        for (index, layer) in stack.layers.enumerated() {
            let last = index == stack.layers.count - 1
            #expect(layer.fusedQKV?.precision == (last ? .bf16 : .int8))
            #expect(layer.output.precision == .bf16)
            #expect(layer.fc1.precision == (last ? .bf16 : .int8))
            #expect(layer.fc2.precision == (last ? .bf16 : .fp32))
            #expect(layer.query.precision == .fp32 && layer.key.precision == .fp32)
        }
        #expect(model.scorer.outProject.first.precision == .fp32)
        // A recipe computing everything in fp32 is the exact model.
        let exact = try NERModel.load(directory: FixturePaths.url("ner/\(name)"), recipe: .uniform(.fp32))
        let reference = try NERModel.load(directory: FixturePaths.url("ner/\(name)"))
        let text = "Alice works at Acme Corp in Paris."
        #expect(
            try exact.extractWithSpanProbabilities([text], labels: ["person", "city"]).probabilities
                == reference.extractWithSpanProbabilities([text], labels: ["person", "city"]).probabilities)
    }
}
