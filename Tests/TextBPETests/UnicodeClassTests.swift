import Foundation
@testable import FuseTokenizers
import Testing

/// BERT's character classes against Hugging Face tokenizers 0.23 (fixtures from
/// tools/reference/text_unicode_classes.py), tolerance zero. HF classifies with Unicode 8.0 / 9.0 tables
/// (`FrozenUnicode`): unassigned code points (Cn) are kept and become `[UNK]`, private use is removed,
/// characters newer than 8.0 are neither controls, punctuation nor accents.
@Suite struct UnicodeClassTests {
    /// Ranges `[first, last]` of code points, per behaviour (see the generator's docstring).
    struct Classes: Decodable {
        let clean_removed, clean_space, cjk, nfd_changed, bert_accent, strip_accents, bert_space, bert_punct: [[UInt32]]
        let regex_letter, regex_number, regex_word, digits: [[UInt32]]
    }

    struct Case: Decodable {
        let category: String?
        let code_point: String?
        let text: String
        let uncased: [Int32]
        let cased: [Int32]
        let strip_sequence: [Int32]

        func ids(_ config: String) -> [Int32] {
            config == "uncased" ? uncased : config == "cased" ? cased : strip_sequence
        }
    }

    struct NormalizationCase: Decodable {
        let text, nfd, nfc, nfkd, nfkc: String
    }

    struct AddedCase: Decodable {
        let text: String
        let ids: [Int32]
    }

    struct Added: Decodable {
        let cases: [AddedCase]
        let bytelevel_cases: [AddedCase]
    }

    struct Categories: Decodable {
        let cases: [Case]
        let corpus: [Case]
        let normalization: [NormalizationCase]
        let added: Added
    }

    static let classes: Classes = try! JSONDecoder().decode(
        Classes.self, from: Data(contentsOf: TextFixtures.url("unicode_classes.json")))
    static let categories: Categories = try! JSONDecoder().decode(
        Categories.self, from: Data(contentsOf: TextFixtures.url("unicode_categories.json")))

    static func set(_ ranges: [[UInt32]]) -> Set<UInt32> {
        Set(ranges.flatMap { $0[0]...$0[1] })
    }

    /// All scalar values in blocks of 256 (surrogates skipped: UTF-8 cannot hold them).
    static let blocks: [[Unicode.Scalar]] = stride(from: 0, to: 0x110000, by: 256).map { base in
        (UInt32(base)..<UInt32(base + 256)).compactMap(Unicode.Scalar.init)
    }

    static func utf8(_ scalars: some Sequence<Unicode.Scalar>) -> [UInt8] {
        var out: [UInt8] = []
        for s in scalars { appendUTF8(s.value, to: &out) }
        return out
    }

    static func hex(_ v: UInt32) -> String { "U+" + String(v, radix: 16, uppercase: true) }

    /// `text` with every non-ASCII or control scalar as \u{…}, so a failure message shows what the text holds.
    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map {
            (0x20..<0x7F).contains($0.value) ? String($0) : "\\u{\(String($0.value, radix: 16))}"
        }
        .joined()
    }

    /// Runs `actual` on each block and compares with `expected`; on a difference, names the code points that differ
    /// by re-running them one at a time.
    static func compareBlocks(
        _ name: String, include: (Unicode.Scalar) -> Bool = { _ in true },
        _ expected: ([Unicode.Scalar]) -> [UInt8], _ actual: ([Unicode.Scalar]) -> [UInt8]
    ) {
        var wrong: [String] = []
        for block in blocks {
            let scalars = block.filter(include)
            if scalars.isEmpty || expected(scalars) == actual(scalars) { continue }
            for s in scalars where expected([s]) != actual([s]) { wrong.append(hex(s.value)) }
        }
        #expect(wrong.isEmpty, "\(name): \(wrong.count) code points differ from HF, first \(wrong.prefix(20))")
    }

    /// BertNormalizer's clean_text: controls (Cc, Cf, Co of Unicode 8.0), NUL and U+FFFD removed, whitespace
    /// made " ", everything else — unassigned and noncharacters included — kept.
    @Test func cleanTextMatchesHuggingFaceForEveryCodePoint() {
        let removed = Self.set(Self.classes.clean_removed), space = Self.set(Self.classes.clean_space)
        #expect(removed.contains(0xE000) && removed.contains(0x10FFFD) && !removed.contains(0x0378))
        let normalizer = Normalizer.bert(
            cleanText: true, handleChineseChars: false, stripAccents: false,
            lowercase: false)
        Self.compareBlocks(
            "clean_text",
            { scalars in
                Self.utf8(scalars.compactMap { removed.contains($0.value) ? nil : space.contains($0.value) ? " " : $0 })
            }, { normalizer.apply(Self.utf8($0)) })
    }

    @Test func chineseCharactersMatchHuggingFaceForEveryCodePoint() {
        let cjk = Self.set(Self.classes.cjk)
        let normalizer = Normalizer.bert(
            cleanText: false, handleChineseChars: true, stripAccents: false,
            lowercase: false)
        Self.compareBlocks(
            "handle_chinese_chars",
            { scalars in
                Self.utf8(scalars.flatMap { cjk.contains($0.value) ? [" ", $0, " "] : [$0] as [Unicode.Scalar] })
            }, { normalizer.apply(Self.utf8($0)) })
    }

    /// BertNormalizer's strip_accents drops Mn of Unicode 8.0 after NFD; each code point follows an "a" so NFD's
    /// reordering of marks cannot move it (code points NFD changes are covered by the sentence cases).
    @Test func bertStripAccentsMatchesHuggingFaceForEveryCodePoint() {
        let accent = Self.set(Self.classes.bert_accent), decomposed = Self.set(Self.classes.nfd_changed)
        let normalizer = Normalizer.bert(
            cleanText: false, handleChineseChars: false, stripAccents: true,
            lowercase: false)
        Self.compareBlocks(
            "strip_accents", include: { !decomposed.contains($0.value) },
            { scalars in
                Self.utf8(scalars.flatMap { accent.contains($0.value) ? ["a"] : ["a", $0] as [Unicode.Scalar] })
            }, { normalizer.apply(Self.utf8($0.flatMap { ["a", $0] as [Unicode.Scalar] })) })
    }

    /// The standalone StripAccents normalizer drops Mn, Mc and Me of Unicode 9.0 (no NFD of its own).
    @Test func stripAccentsNormalizerMatchesHuggingFaceForEveryCodePoint() {
        let marks = Self.set(Self.classes.strip_accents)
        Self.compareBlocks(
            "StripAccents",
            { scalars in
                Self.utf8(scalars.filter { !marks.contains($0.value) })
            }, { Normalizer.stripAccents.apply(Self.utf8($0)) })
    }

    /// What a pre-tokenizer does with one scalar between two "a"s.
    enum Role { case joins, isolated, removed }

    /// Runs `preTokenizer` on "a" + each scalar of a block followed by "a", and compares the pieces with the ones
    /// the roles give.
    static func comparePieces(_ name: String, _ preTokenizer: PreTokenizer, role: @escaping (UInt32) -> Role) {
        let separator: UInt8 = 0xFF  // between pieces: never a byte of UTF-8
        compareBlocks(
            name,
            { scalars in
                var out: [UInt8] = [], word: [UInt8] = [0x61]
                func flush() { if !word.isEmpty { out += word + [separator]; word = [] } }
                for s in scalars {
                    switch role(s.value) {
                    case .removed: flush()
                    case .isolated: flush(); out += utf8([s]) + [separator]
                    case .joins: appendUTF8(s.value, to: &word)
                    }
                    word.append(0x61)
                }
                flush()
                return out
            },
            { scalars in
                var buffer = utf8([Unicode.Scalar("a")] + scalars.flatMap { [$0, "a"] as [Unicode.Scalar] })
                var pieces = [Piece(0, buffer.count)]
                preTokenizer.run(&buffer, &pieces, atOriginalStart: true)
                return pieces.flatMap { Array(buffer[$0.start..<$0.end]) + [separator] }
            })
    }

    /// BertPreTokenizer between letters: White_Space removed, ASCII punctuation and P* of Unicode 8.0 isolated.
    /// The Punctuation pre-tokenizer isolates the same set (the generator asserts HF agrees).
    @Test(arguments: ["BertPreTokenizer", "Punctuation"])
    func punctuationMatchesHuggingFaceForEveryCodePoint(preTokenizer name: String) {
        let punct = Self.set(Self.classes.bert_punct), space = Self.set(Self.classes.bert_space)
        let bert = name == "BertPreTokenizer"
        Self.comparePieces(name, bert ? .bert : .punctuation(.isolated)) { v in
            bert && space.contains(v) ? .removed : punct.contains(v) ? .isolated : .joins
        }
    }

    /// The Whitespace pre-tokenizer (`\w+|[^\w\s]+`, Rust's regex crate, Unicode 16.0): \w is Alphabetic, marks,
    /// Nd, Pc and Join_Control — not No ("x²" is two pieces), not characters new in Unicode 17.0.
    @Test func whitespacePreTokenizerMatchesHuggingFaceForEveryCodePoint() {
        let word = Self.set(Self.classes.regex_word), space = Self.set(Self.classes.bert_space)
        #expect(!word.contains(0xB2) && word.contains(0x200D) && word.contains(0x203F))
        Self.comparePieces("Whitespace", .whitespace) { v in
            space.contains(v) ? .removed : word.contains(v) ? .joins : .isolated
        }
    }

    /// Digits(individual_digits) isolates Rust's `char::is_numeric` (N*), whose Unicode (17.0) is newer than the
    /// regex engines' (16.0): U+11DE0 … U+11DE9 are digits there but not \p{N}.
    @Test func digitsPreTokenizerMatchesHuggingFaceForEveryCodePoint() {
        let digits = Self.set(Self.classes.digits)
        #expect(digits.contains(0x11DE0) && digits.contains(0xB2))
        Self.comparePieces("Digits", .digits(individual: true)) { digits.contains($0) ? .isolated : .joins }
    }

    /// `\p{L}` and `\p{N}` of the GPT-2 / CLIP scanners are Oniguruma's (Unicode 16.0): a letter new in 17.0 is
    /// neither, as in HF. Checked on the class table the scanners read; their splitting is ParityTests'.
    @Test func regexLetterAndNumberClassesMatchHuggingFaceForEveryCodePoint() {
        let letters = Self.set(Self.classes.regex_letter), numbers = Self.set(Self.classes.regex_number)
        var wrong: [String] = []
        for block in Self.blocks {
            for s in block {
                let flags = CharClass.of(s.value)
                if (flags & CharClass.letter != 0) != letters.contains(s.value)
                    || (flags & CharClass.number != 0) != numbers.contains(s.value)
                {
                    wrong.append(Self.hex(s.value))
                }
            }
        }
        #expect(wrong.isEmpty, "\\p{L} / \\p{N}: \(wrong.count) code points differ from HF, first \(wrong.prefix(20))")
    }

    /// all-MiniLM-L6-v2's tokenizer.json with the fixture's normalizer in place of its own.
    static func tokenizer(_ config: String) throws -> Tokenizer {
        let data = try Data(contentsOf: TextFixtures.url("minilm/tokenizer.json"))
        var root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let fixture = try JSONSerialization.jsonObject(
            with: Data(contentsOf: TextFixtures.url("unicode_categories.json")))
        let normalizers = try #require((fixture as? [String: Any])?["normalizers"] as? [String: Any])
        root["normalizer"] = try #require(normalizers[config])
        var tokenizer = try Tokenizer.fromJSON(
            JSONSerialization.data(withJSONObject: root),
            file: "minilm tokenizer.json (\(config))")
        tokenizer.truncation = nil
        tokenizer.padding = nil
        return tokenizer
    }

    static let configs = ["uncased", "cased", "strip_sequence"]

    /// Sentences around several code points of every general category (Cn incl. U+0378, U+03A2, U+2FE0 and
    /// noncharacters, Co in planes 0/15/16, Cc, Cf, Z*, M*, L*, N*, P*, S*, CJK, characters new in 9.0 … 16.0,
    /// emoji ZWJ and variation-selector sequences): WordPiece ids equal HF's.
    @Test(arguments: configs)
    func categorySentencesMatchHuggingFace(config: String) throws {
        let tokenizer = try Self.tokenizer(config)
        let cases = Self.categories.cases
        #expect(cases.count > 600)
        var wrong: [String] = []
        for c in cases {
            if try tokenizer.encode(c.text).ids != c.ids(config) {
                wrong.append("\(c.category ?? "") \(c.code_point ?? "") \(Self.escaped(c.text))")
            }
        }
        #expect(wrong.isEmpty, "\(config): \(wrong.count) of \(cases.count) cases differ from HF: \(wrong.prefix(12))")
    }

    /// A seeded multilingual, emoji-heavy corpus slice with odd code points sprinkled into words.
    @Test(arguments: configs)
    func generatedCorpusMatchesHuggingFace(config: String) throws {
        let tokenizer = try Self.tokenizer(config)
        let lines = Self.categories.corpus
        let batch = try tokenizer.encodeBatch(lines.map(\.text))
        let wrong = zip(lines, batch).filter { $0.0.ids(config) != $0.1.ids }.map { Self.escaped($0.0.text) }
        #expect(wrong.isEmpty, "\(config): \(wrong.count) of \(lines.count) lines differ from HF: \(wrong.prefix(5))")
    }

    /// NFD, NFC, NFKD, NFKC where HF's Unicode 9.0 normalization tables and Foundation's newer ones disagree
    /// (U+11938's decomposition, U+11935 U+11930's composition, U+0898's combining class, U+1F16C's compatibility
    /// mapping): HF's result, compared as scalars (String's == would call canonically equivalent texts equal).
    @Test(arguments: ["nfd", "nfc", "nfkd", "nfkc"])
    func normalizationFormsUseHuggingFaceUnicodeVersion(form: String) {
        let normalizer: Normalizer = form == "nfd" ? .nfd : form == "nfc" ? .nfc : form == "nfkd" ? .nfkd : .nfkc
        let cases = Self.categories.normalization
        #expect(cases.count >= 6)
        for c in cases {
            let want = form == "nfd" ? c.nfd : form == "nfc" ? c.nfc : form == "nfkd" ? c.nfkd : c.nfkc
            let got = normalizer.apply(Array(c.text.utf8))
            #expect(got == Array(want.utf8), "\(form) of \(c.text.unicodeScalars.map { Self.hex($0.value) })")
        }
    }

    /// A tokenizer.json fixture with the generator's added tokens (`key` of the fixture's "added") in place of its own.
    static func withAddedTokens(_ path: String, _ key: String) throws -> Tokenizer {
        let data = try Data(contentsOf: TextFixtures.url(path))
        var root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let fixture = try JSONSerialization.jsonObject(
            with: Data(contentsOf: TextFixtures.url("unicode_categories.json")))
        root["added_tokens"] = try #require(((fixture as? [String: Any])?["added"] as? [String: Any])?[key])
        var tokenizer = try Tokenizer.fromJSON(JSONSerialization.data(withJSONObject: root), file: "\(path) (\(key))")
        tokenizer.truncation = nil
        tokenizer.padding = nil
        return tokenizer
    }

    /// Added tokens: lstrip/rstrip take HF's Unicode `\s` (NBSP, U+3000, U+0085, U+2028 …: visible in the ids of a
    /// byte-level BPE, which keeps spaces), single_word needs no `\w` of Rust's regex crate beside the match
    /// ("x²zz" matches, "e\u{301}zz", "zz\u{200D}", "a‿zz" do not).
    @Test(arguments: [
        ("minilm/tokenizer.json", "added_tokens"), ("bytelevel_bpe/tokenizer.json", "bytelevel_added_tokens"),
    ])
    func addedTokensFollowHuggingFaceWhitespaceAndWordClasses(path: String, key: String) throws {
        let tokenizer = try Self.withAddedTokens(path, key)
        let cases = key == "added_tokens" ? Self.categories.added.cases : Self.categories.added.bytelevel_cases
        #expect(cases.count >= 5)
        for c in cases {
            #expect(try tokenizer.encode(c.text).ids == c.ids, "\(path): \(Self.escaped(c.text))")
        }
    }
}
