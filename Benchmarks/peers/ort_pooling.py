"""The ONNX Runtime peers' sentence embedding loop (numpy only, so a peer that times its imports does not pay torch's):
sentences sorted by length as sentence-transformers sorts them, batches tokenised by HF `tokenizers`, the session's
hidden states mean-pooled over the attention mask and normalised, rows returned in the sentences' order."""
import numpy as np


def embed(session, tokenizer, sentences, batch, width=384):
    order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
    out = np.zeros((len(sentences), width), dtype=np.float32)
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        encoded = tokenizer.encode_batch([sentences[i] for i in chunk])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        out[chunk] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out
