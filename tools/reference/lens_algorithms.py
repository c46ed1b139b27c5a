"""LENS's two algorithms as ContextualAI/lens writes them, shared by the LENS fixture scripts.

forward_tags: image features / ||image features|| @ the normalized [D, V] vocabulary matrix, torch.topk(k), then
keep the entries scoring at least the threshold. prompt_all: create_prompt_sample(mode="all").
"""


def forward_tags(image_features, text_weights, k, threshold):
    image_norm = image_features / image_features.norm(dim=-1, keepdim=True)
    scores = (image_norm @ text_weights).float()
    top_scores, top_indexes = scores.topk(k=k, dim=-1)
    out = []
    for s, idx in zip(top_scores, top_indexes):
        keep = s >= threshold
        out.append({"indexes": idx[keep].tolist(), "scores": s[keep].tolist()})
    return out


def prompt_all(tags, attributes, captions, question):
    prompt = "Tags:\n-" + "\n-".join(tags)
    prompt += "\nAttributes:\n-" + "\n-".join(attributes)
    prompt += "\nCaptions:\n-" + "\n-".join(captions[:50])
    prompt += "\nQuestion:" + question
    prompt += "\nShort Answer:"
    return prompt
