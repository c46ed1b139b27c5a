import FuseCore

extension ConfigFile {
    /// Refuses a checkpoint another tool has already quantized: Hugging Face marks those with a
    /// `quantization_config` object in `config.json` (GPTQ, AWQ, bitsandbytes, fp8, compressed-tensors, …), whose
    /// packed integer tensors would otherwise surface as a confusing dtype or shape error. Fuse's own reduced
    /// precisions start from an unquantized checkpoint (`Precision`).
    public func refuseForeignQuantization() throws {
        guard has("quantization_config") else { return }
        let details = try? section("quantization_config")
        let method =
            (try? details?.string("quant_method"))
            ?? (details?.has("load_in_8bit") == true || details?.has("load_in_4bit") == true
                ? "bitsandbytes" : "unnamed")
        throw ModelError.quantizedCheckpoint(file: path, method: method)
    }
}
