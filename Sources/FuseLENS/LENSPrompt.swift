/// The prompt LENS hands a text-only language model, in LENS's "all" layout:
///
/// ```text
/// Tags:
/// -tag one
/// -tag two
/// Attributes:
/// -attribute
/// Captions:
/// -caption
/// Question:what is shown?
/// Short Answer:
/// ```
///
/// The text matches LENS's `create_prompt_sample(mode: "all")` character for character when captions are
/// present. When no captioner is loaded the `Captions:` section is left out rather than shown empty, so the
/// prompt claims nothing about captions.
public enum LENSPrompt {
    public static func make(tags: [String], attributes: [String], captions: [String]?, question: String) -> String {
        var prompt = "Tags:\n-" + tags.joined(separator: "\n-")
        prompt += "\nAttributes:\n-" + attributes.joined(separator: "\n-")
        if let captions {
            prompt += "\nCaptions:\n-" + captions.joined(separator: "\n-")
        }
        prompt += "\nQuestion:" + question
        prompt += "\nShort Answer:"
        return prompt
    }
}
