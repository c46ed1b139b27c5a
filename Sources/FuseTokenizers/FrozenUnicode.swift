/// General categories as HF tokenizers' Rust crates see them: tables frozen at an old Unicode version.
///
/// BertNormalizer and BertPreTokenizer classify characters with the `unicode_categories` crate (0.1), whose
/// tables are Unicode 8.0.0: `is_other` (clean_text's "control") is Cc ∪ Cf ∪ Co — *not* Cn — and a character
/// assigned after 8.0 is in no category at all, so BERT keeps it and WordPiece gives its word `[UNK]`.
/// BertNormalizer's strip_accents drops that crate's Mn; its `is_punctuation` is its P*. The standalone
/// `StripAccents` normalizer drops `is_combining_mark` of `unicode-normalization-alignments`, whose tables are
/// Unicode 9.0.0. Swift's `Unicode.Scalar.Properties` follow the toolchain's Unicode (17.0 with Swift 6.3), so
/// the category of those versions is rebuilt here: the scalar's current category when its `age` is at most the
/// version, corrected by the few characters whose category changed since. The exhaustive fixture
/// (`Tests/Fixtures/text/unicode_classes.json`, every code point through HF) checks both versions against a
/// newer toolchain.
enum FrozenUnicode {
    /// The Unicode versions of HF's tables.
    enum Version { case v8_0, v9_0 }

    /// `scalar`'s general category in `version`, or nil when it was unassigned then.
    static func generalCategory(_ scalar: Unicode.Scalar, in version: Version) -> Unicode.GeneralCategory? {
        let props = scalar.properties
        guard let age = props.age else { return nil }
        switch version {
        case .v8_0: guard age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
        case .v9_0: guard age.major < 9 || (age.major == 9 && age.minor == 0) else { return nil }
        }
        return changedSince(scalar.value, version) ?? props.generalCategory
    }

    /// The category then of the characters whose category has moved since `version` (in the sets that matter
    /// here), found by running every code point through HF tokenizers 0.23 against Swift 6.3's Unicode 17.0.
    private static func changedSince(_ value: UInt32, _ version: Version) -> Unicode.GeneralCategory? {
        switch value {
        case 0x166D: return .otherPunctuation  // CANADIAN SYLLABICS CHI SIGN, So today
        case 0x111C9: return .otherPunctuation  // SHARADA SANDHI MARK, Mn today
        case 0x1734, 0x1171E: return .nonspacingMark  // HANUNOO SIGN PAMUDPOD, AHOM … MEDIAL RA: Mc today
        case 0xA9BD: return .spacingMark  // JAVANESE CONSONANT SIGN KERET, Mn today
        case 0x1CF2, 0x1CF3: return .spacingMark  // VEDIC SIGN (ROTATED) ARDHAVISARGA, Lo today
        case 0x1885, 0x1886: return version == .v8_0 ? .otherLetter : nil  // MONGOLIAN … BALUDA, Mn since 9.0
        default: return nil
        }
    }

    /// `unicode_categories`' `is_other` (BertNormalizer's `is_control` before its tab/newline exception):
    /// Cc, Cf or Co in Unicode 8.0.
    static func isOther8(_ category: Unicode.GeneralCategory?) -> Bool {
        switch category {
        case .control?, .format?, .privateUse?: true
        default: false
        }
    }

    /// `unicode_categories`' `is_punctuation`: any P* category in Unicode 8.0.
    static func isPunctuation8(_ category: Unicode.GeneralCategory?) -> Bool {
        switch category {
        case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
            .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
            true
        default: false
        }
    }

    /// Mn, Mc or Me (`is_combining_mark`: General_Category = Mark).
    static func isMark(_ category: Unicode.GeneralCategory?) -> Bool {
        switch category {
        case .nonspacingMark?, .spacingMark?, .enclosingMark?: true
        default: false
        }
    }
}
