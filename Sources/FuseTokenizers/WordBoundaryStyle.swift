/// How a tokenizer marks word starts inside its tokens, read off its components (what FuseLLM needs to compare the
/// tokens of two vocabularies).
extension Tokenizer {
    /// Whether a pre-tokenizer or the decoder is `ByteLevel`: tokens spell bytes in GPT-2's alphabet (a space is `Ġ`).
    public var usesByteLevelAlphabet: Bool {
        (preTokenizer?.contains { if case .byteLevel = $0 { true } else { false } } ?? false)
            || (decoder?.contains { if case .byteLevel = $0 { true } else { false } } ?? false)
    }

    /// Whether a pre-tokenizer or the decoder is `Metaspace`, or a normalizer or decoder writes or reads `▁`
    /// (Llama 2 prepends and replaces with `▁` in its normalizer instead of a Metaspace pre-tokenizer).
    public var usesMetaspace: Bool {
        let marker: [UInt8] = Array("▁".utf8)
        let inPreTokenizer = preTokenizer?.contains { if case .metaspace = $0 { true } else { false } } ?? false
        let inNormalizer =
            normalizer?.contains { step in
                switch step {
                case .prepend: return true
                case .replace(let pattern, let content):
                    if case .literal(let literal) = pattern, literal == marker { return true }
                    return content == marker
                default: return false
                }
            } ?? false
        let inDecoder =
            decoder?.contains { step in
                switch step {
                case .metaspace: return true
                case .replace(let pattern, let content): return pattern == "▁" || content == "▁"
                case .strip(let content, _, _): return content == "▁"
                default: return false
                }
            } ?? false
        return inPreTokenizer || inNormalizer || inDecoder
    }
}

extension PreTokenizer {
    /// Whether this step, or any step of a sequence, satisfies `test`.
    func contains(where test: (PreTokenizer) -> Bool) -> Bool {
        if case .sequence(let steps) = self { return steps.contains { $0.contains(where: test) } }
        return test(self)
    }
}

extension Normalizer {
    /// Whether this step, or any step of a sequence, satisfies `test`.
    func contains(where test: (Normalizer) -> Bool) -> Bool {
        if case .sequence(let steps) = self { return steps.contains { $0.contains(where: test) } }
        return test(self)
    }
}

extension Decoder {
    /// Whether this step, or any step of a sequence, satisfies `test`.
    func contains(where test: (Decoder) -> Bool) -> Bool {
        if case .sequence(let steps) = self { return steps.contains { $0.contains(where: test) } }
        return test(self)
    }
}
