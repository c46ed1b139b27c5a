"""Where does all-MiniLM-L6-v2's int8 retrieval error come from, and which recipe removes it? (issue 18)

A float32 model of Fuse's reduced-precision linear layers inside transformers' BertModel, on the 1000 sentences of
`fuse-bench encoder` (BenchEncoder.sentences), scored as `fuse-bench` scores them (PrecisionAccuracy.swift): cosine of
the pooled, normalised embeddings to fp32 (mean, worst) and top-1 retrieval agreement (each sentence as a query
against all the others). The int8 model is Fuse's arithmetic exactly: weights s8 symmetric per output channel
(max |w| / 127, rounded), inputs u8 asymmetric per row (range always holding 0, zero point rounded and clamped),
s32 accumulation (dequantized operands, float32 sums: 1e-7 against the 1e-2 quantization steps), the token table int8 per row. bf16 rounds both operands to bfloat16.

Usage: python tools/reference/int8_recipe_study.py --model models/all-MiniLM-L6-v2 [--sentences 1000] [--only NAME]
       [--set sources|outliers|smooth|mixed|layers|fc2|split|floor]
Prints one line per recipe: name, cosine mean, worst, top-1 agreement (%). `--set floor` prints how near-tied the
corpus is instead (queries whose two nearest sentences are within 0.0005 … 0.01) and the top-1 agreement of fp32
reorderings (batch 1, float64) and torch's bf16 autocast: the metric's floor.
"""
import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoTokenizer, BertModel  # noqa: E402

KINDS = ("qkv", "out", "fc1", "fc2")


def sentences(count):
    subjects = ["A man", "The woman", "A small child", "My neighbour's dog", "An old astronaut", "The chef",
                "Two cats", "A red bird", "The orchestra", "A tired student"]
    verbs = ["is eating", "photographs", "walks past", "sings about", "carefully repairs", "dreams of", "paints",
             "listens to"]
    objects = ["a plate of food", "the rocket on the launch pad", "a quiet street in the rain",
               "the sound of waves at night", "an old bicycle with a broken chain", "a cup of coffee",
               "the city skyline", "a song from their childhood that nobody else remembers"]
    out = []
    for index in range(count):
        tail = ", while the sun sets slowly behind the hills" if index % 3 == 0 else ""
        out.append(f"{subjects[index % len(subjects)]} {verbs[(index // 10) % len(verbs)]} "
                   f"{objects[(index // 80) % len(objects)]}{tail} ({index}).")
    return out


def bf16(x):
    return x.to(torch.bfloat16).to(x.dtype)


def quantize_weight(w, levels=127.0):
    """s8 per output channel, symmetric; returns the dequantized weights."""
    scale = w.abs().amax(dim=1, keepdim=True) / levels
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.clamp(torch.sign(w / scale) * torch.floor((w / scale).abs() + 0.5), -levels, levels)
    return q * scale


def quantize_rows(x, levels=255.0, group=None):
    """u8 asymmetric per row (per row and group of `group` columns when given); the dequantized values."""
    if group:
        shape = x.shape
        x = x.reshape(*shape[:-1], shape[-1] // group, group)
    low = torch.clamp(x.amin(dim=-1, keepdim=True), max=0)
    high = torch.clamp(x.amax(dim=-1, keepdim=True), min=0)
    scale = torch.where(high > low, (high - low) / levels, torch.ones_like(high))
    zero = torch.clamp(torch.round(-low / scale), 0, levels)
    q = torch.clamp(torch.round(x / scale) + zero, 0, levels)
    out = (q - zero) * scale
    return out.reshape(shape) if group else out


class ModelLinear(torch.nn.Module):
    """One linear layer under a recipe `mode` (a dict): kind 'fp32' | 'bf16' | 'int8' | 'w8' | 'a8', and for int8
    optional `smooth` (per-input-channel scales s: x/s quantized, W·s), `outliers` (input channels kept in fp32),
    `group` (activation scale per group of columns)."""

    def __init__(self, linear, mode, smooth=None, outliers=None):
        super().__init__()
        self.weight = linear.weight.detach().float()
        self.bias = linear.bias.detach().float()
        self.mode = mode
        kind = mode["kind"]
        w = self.weight
        self.smooth = smooth
        self.outliers = outliers
        if smooth is not None:
            w = w * smooth[None, :]
        if outliers is not None:
            self.w_outliers = w[:, outliers]
            w = w.clone()
            w[:, outliers] = 0
        self.kgroups = mode.get("kgroups")
        if kind in ("int8", "w8") and self.kgroups is not None:
            self.wq = w.clone()
            for group in self.kgroups:
                self.wq[:, group] = quantize_weight(w[:, group], mode.get("weight_levels", 127.0))
        elif kind in ("int8", "w8"):
            self.wq = quantize_weight(w, mode.get("weight_levels", 127.0))
        elif kind == "bf16":
            self.wq = bf16(w)
        else:
            self.wq = w

        mean = mode.get("mean")
        if mean is not None:
            # Bias correction: the weights' rounding error on the input's mean (in the original input space).
            shifted = (mean / smooth) if smooth is not None else mean.clone()
            quantized = shifted.clone()
            if outliers is not None:
                quantized[outliers] = 0
            exact = mean @ self.weight.T
            rounded = quantized @ self.wq.T + (shifted[outliers] @ self.w_outliers.T if outliers is not None else 0)
            self.bias = self.bias + (exact - rounded)

    def forward(self, x):
        kind = self.mode["kind"]
        if self.smooth is not None:
            x = x / self.smooth
        if self.outliers is not None:
            x_out = x[..., self.outliers]
            x = x.clone()
            x[..., self.outliers] = 0
        if kind in ("int8", "a8") and self.kgroups is not None:
            xq = x.clone()
            for group in self.kgroups:
                xq[..., group] = quantize_rows(x[..., group])
        elif kind in ("int8", "a8"):
            xq = quantize_rows(x, group=self.mode.get("group"))
        elif kind == "bf16":
            xq = bf16(x)
        else:
            xq = x
        y = xq @ self.wq.T
        if self.outliers is not None:
            y = y + x_out @ self.w_outliers.T
        return (y + self.bias).float()


def layer_linears(layer):
    a = layer.attention
    return {"qkv": [(a.self, "query"), (a.self, "key"), (a.self, "value")], "out": [(a.output, "dense")],
            "fc1": [(layer.intermediate, "dense")], "fc2": [(layer.output, "dense")]}


def build(base, recipe):
    """A copy of `base` with every block's linear layers replaced as `recipe(layer_index, kind, layer)` says:
    returns a mode dict, optionally with 'smooth' / 'outliers' entries (tensors)."""
    model = BertModel(base.config)
    model.load_state_dict(base.state_dict())
    model.eval()
    for index, layer in enumerate(model.encoder.layer):
        for kind, places in layer_linears(layer).items():
            mode = recipe(index, kind, layer, model)
            for owner, name in places:
                linear = getattr(owner, name)
                setattr(owner, name, ModelLinear(linear, mode, mode.get("smooth"), mode.get("outliers")))
    return model


def embed(model, batches, int8_table=False):
    if int8_table:
        table = model.embeddings.word_embeddings.weight.data
        model.embeddings.word_embeddings.weight.data = quantize_weight(table.double()).float()
    vectors = []
    with torch.no_grad():
        for batch in batches:
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors.append(torch.nn.functional.normalize(pooled, dim=-1))
    return torch.cat(vectors).double()


def score(reference, candidate):
    cos = (reference * candidate).sum(-1) / (reference.norm(dim=-1) * candidate.norm(dim=-1))
    def nearest(v):
        n = torch.nn.functional.normalize(v, dim=-1)
        s = n @ n.T
        s.fill_diagonal_(-float("inf"))
        return s.argmax(dim=1)
    agree = (nearest(reference) == nearest(candidate)).double().mean().item()
    return cos.mean().item(), cos.min().item(), 100 * agree


def observe_inputs(base, batches, see):
    """Runs `batches` through `base`, calling see(key, rows, real) for every GEMM input: key (layer, kind), its rows
    `[tokens, channels]` with padding rows zeroed, and how many rows are real tokens."""
    hooks = []
    for index, layer in enumerate(base.encoder.layer):
        for kind, places in layer_linears(layer).items():
            owner, name = places[0]

            def hook(module, inputs, output, key=(index, kind)):
                x = inputs[0].detach() * hook.mask.unsqueeze(-1)
                see(key, x.reshape(-1, x.shape[-1]), hook.mask.sum())
            hooks.append((getattr(owner, name).register_forward_hook(hook), hook))
    with torch.no_grad():
        for batch in batches:
            for _, hook in hooks:
                hook.mask = batch["attention_mask"].float()
            base(**batch)
    for handle, _ in hooks:
        handle.remove()


def channel_means(base, batches):
    """Each GEMM input's mean per channel over `batches` (real tokens only), keyed (layer, kind)."""
    sums, counts = {}, {}

    def see(key, rows, real):
        sums[key] = sums[key] + rows.sum(0) if key in sums else rows.sum(0)
        counts[key] = counts.get(key, 0) + real
    observe_inputs(base, batches, see)
    return {key: sums[key] / counts[key] for key in sums}


def channel_peaks(base, batches):
    """Each GEMM input's largest |x| per channel over `batches` (real tokens only), keyed (layer, kind)."""
    peaks = {}

    def see(key, rows, real):
        peak = rows.abs().amax(0)
        peaks[key] = torch.maximum(peaks[key], peak) if key in peaks else peak
    observe_inputs(base, batches, see)
    return peaks


def probe_batches(tokenizer, length=64):
    """Fuse's data-free probe (OutlierProbe.probeIDs): `length` token ids spread evenly over the vocabulary."""
    vocab = tokenizer.vocab_size
    ids = torch.tensor([[i * vocab // length for i in range(length)]])
    return [{"input_ids": ids, "attention_mask": torch.ones_like(ids), "token_type_ids": torch.zeros_like(ids)}]


def outliers_from(peaks, ratio, cap):
    """Per GEMM: channels whose peak exceeds `ratio` × the median channel peak, largest first, at most `cap`."""
    chosen = {}
    for key, peak in peaks.items():
        order = torch.argsort(peak, descending=True)
        limit = ratio * peak.median()
        chosen[key] = [int(c) for c in order[:cap] if peak[c] > limit]
    return chosen


def smooth_recipes(base, probe, oracle, alphas=(0.5, 0.3, 0.7)):
    """SmoothQuant-style per-input-channel scales s = peak^a / max|W col|^(1-a) from the probe's peaks (x/s is
    quantized, W·s), optionally with the probe's outlier channels (>6x median, at most 4) in fp32."""
    chosen = outliers_from(probe, 6, 4)
    layers = base.encoder.layer

    def weight_peaks(i, kind):
        owner, name = layer_linears(layers[i])[kind][0]
        ws = [getattr(o, n).weight.detach().abs() for o, n in layer_linears(layers[i])[kind]]
        return torch.cat(ws).amax(0)

    def recipe_for(alpha, kinds, outlier_kinds, fc2="int8"):
        def recipe(i, kind, layer, model):
            if kind == "fc2" and fc2 != "int8":
                return {"kind": fc2}
            mode = {"kind": "int8"}
            if kind in kinds:
                peak = probe[(i, kind)].clamp(min=1e-5)
                s = peak.pow(alpha) / weight_peaks(i, kind).clamp(min=1e-5).pow(1 - alpha)
                mode["smooth"] = s / s.median()
            if kind in outlier_kinds and chosen[(i, kind)]:
                mode["outliers"] = torch.tensor(chosen[(i, kind)])
            return mode
        return recipe

    recipes = {}
    for alpha in alphas:
        for kinds in (KINDS,):
            recipes[f"smooth a={alpha} on all"] = (recipe_for(alpha, kinds, ()), True)
            recipes[f"smooth a={alpha} on all + outliers all"] = (recipe_for(alpha, kinds, KINDS), True)
    recipes["smooth a=0.5 on all, fc2 bf16"] = (recipe_for(0.5, KINDS, (), fc2="bf16"), True)
    return recipes


def mixed_recipes(probe):
    """qkv in bf16 (the most sensitive GEMM kind, and a small one), the rest int8 with the probe's outlier channels."""
    def recipe_for(ratio, cap, outlier_kinds, bf16_kinds=("qkv",)):
        chosen = outliers_from(probe, ratio, cap)
        def recipe(i, kind, layer, model):
            if kind in bf16_kinds:
                return {"kind": "bf16"}
            mode = {"kind": "int8"}
            if kind in outlier_kinds and chosen[(i, kind)]:
                mode["outliers"] = torch.tensor(chosen[(i, kind)])
            return mode
        return recipe
    return {
        "qkv bf16, rest int8 + probe outliers >6x cap 4 fc1+fc2": (recipe_for(6, 4, ("fc1", "fc2")), True),
        "qkv bf16, rest int8 + probe outliers >6x cap 4 out+fc1+fc2": (recipe_for(6, 4, ("out", "fc1", "fc2")), True),
        "qkv bf16, rest int8 + probe outliers >4x cap 8 out+fc1+fc2": (recipe_for(4, 8, ("out", "fc1", "fc2")), True),
        "qkv bf16, rest int8, no outliers": (recipe_for(6, 4, ()), True),
        "qkv+fc2 bf16, rest int8 + probe outliers >6x cap 4 fc1": (
            recipe_for(6, 4, ("fc1",), bf16_kinds=("qkv", "fc2")), True),
    }


def layer_recipes(base, probe):
    """The landed recipe (OutlierProbe.allInt8Recipe: every GEMM int8 with SmoothQuant factors, a 0.5, and the probe's
    outlier channels) with one block, or one GEMM kind of one block, in bf16: where is its error made?"""
    landed = smooth_recipes(base, probe, None)["smooth a=0.5 on all + outliers all"][0]

    def keeping(layers, kinds):
        def recipe(i, kind, layer, model):
            return {"kind": "bf16"} if i in layers and kind in kinds else landed(i, kind, layer, model)
        return recipe

    recipes = {"landed (all int8, smooth a=0.5, outliers)": (landed, True)}
    for index in range(6):
        recipes[f"landed, block {index} bf16"] = (keeping({index}, KINDS), True)
    for kind in KINDS:
        recipes[f"landed, {kind} bf16 in every block"] = (keeping(set(range(6)), {kind}), True)
    recipes["landed, fp32 token table"] = (landed, False)
    return recipes


def split_recipes(base, probe):
    """Kind-level smoothing choices, and K-split GEMMs: input channels partitioned by probe peak rank into groups,
    each group its own int8 GEMM with per-row input scales and per-output-channel weight scales (same flops)."""
    found = smooth_recipes(base, probe, None)
    landed = found["smooth a=0.5 on all + outliers all"][0]
    chosen = outliers_from(probe, 6, 4)
    layers = base.encoder.layer

    def weight_peaks(i, kind):
        ws = [getattr(o, n).weight.detach().abs() for o, n in layer_linears(layers[i])[kind]]
        return torch.cat(ws).amax(0)

    def recipe_for(smoothed, groups=1, share=None, alpha=0.5, smooth_then_group=True):
        def recipe(i, kind, layer, model):
            mode = {"kind": "int8"}
            peak = probe[(i, kind)].clamp(min=1e-5)
            rank_source = peak
            if kind in smoothed:
                s = peak.pow(alpha) / weight_peaks(i, kind).clamp(min=1e-5).pow(1 - alpha)
                mode["smooth"] = s / s.median()
                if smooth_then_group:
                    rank_source = peak / mode["smooth"]
            if chosen[(i, kind)]:
                mode["outliers"] = torch.tensor(chosen[(i, kind)])
            if groups > 1:
                order = torch.argsort(rank_source, descending=True)
                k = order.numel()
                if share is not None:
                    cut = int(k * share)
                    mode["kgroups"] = [order[:cut], order[cut:]]
                else:
                    mode["kgroups"] = list(order.chunk(groups))
            return mode
        return recipe

    every = set(KINDS)
    recipes = {"landed": (landed, True)}
    recipes["smooth qkv only"] = (recipe_for({"qkv"}), True)
    recipes["smooth qkv+out"] = (recipe_for({"qkv", "out"}), True)
    recipes["smooth qkv+out+fc1 (fc2 plain)"] = (recipe_for({"qkv", "out", "fc1"}), True)
    recipes["smooth none"] = (recipe_for(set()), True)
    for groups, share in ((2, None), (2, 0.125), (2, 0.25), (4, None)):
        label = f"{groups} groups" + (f" (top {share})" if share else "")
        recipes[f"smooth all, K split {label}"] = (recipe_for(every, groups, share), True)
        recipes[f"smooth none, K split {label}"] = (recipe_for(set(), groups, share), True)
    return recipes


def fc2_recipes(base, probe, probe_means, oracle_means):
    """The landed recipe with the down-projection (fc2, the largest single error) varied, and bias correction."""
    landed = smooth_recipes(base, probe, None)["smooth a=0.5 on all + outliers all"][0]

    def varying(kinds, change):
        def recipe(i, kind, layer, model):
            mode = dict(landed(i, kind, layer, model))
            if kind in kinds:
                change(i, kind, mode)
            return mode
        return recipe

    def set_kind(value):
        return lambda i, kind, mode: mode.update(kind=value)

    def drop(key):
        return lambda i, kind, mode: mode.pop(key, None)

    def mean_from(means):
        return lambda i, kind, mode: mode.update(mean=means[(i, kind)])

    recipes = {"landed": (landed, True)}
    recipes["landed, fc2 weights only int8"] = (varying({"fc2"}, set_kind("w8")), True)
    recipes["landed, fc2 inputs only u8"] = (varying({"fc2"}, set_kind("a8")), True)
    recipes["landed, fc2 unsmoothed"] = (varying({"fc2"}, drop("smooth")), True)
    recipes["landed, every GEMM weights only int8"] = (varying(set(KINDS), set_kind("w8")), True)
    recipes["landed, every GEMM inputs only u8"] = (varying(set(KINDS), set_kind("a8")), True)
    recipes["landed + bias correction (probe means)"] = (varying(set(KINDS), mean_from(probe_means)), True)
    recipes["landed + bias correction (sentence means)"] = (varying(set(KINDS), mean_from(oracle_means)), True)
    for alpha in (0.3, 0.4, 0.6, 0.7):
        other = smooth_recipes(base, probe, None, alphas=(alpha,))[f"smooth a={alpha} on all + outliers all"][0]
        recipes[f"landed, fc2 a={alpha}"] = (
            lambda i, kind, layer, model, other=other: (other if kind == "fc2" else landed)(i, kind, layer, model),
            True)
    return recipes


def outlier_recipes(base, tokenizer, batches, smooth=""):
    calibration = [tokenizer(sentences(1200)[1000:], padding=True, return_tensors="pt")]
    oracle = channel_peaks(base, calibration)
    probe = channel_peaks(base, probe_batches(tokenizer))

    def with_outliers(chosen, kinds, fc2="int8"):
        def recipe(i, kind, layer, model):
            if kind == "fc2" and fc2 != "int8":
                return {"kind": fc2}
            mode = {"kind": "int8"}
            if kind in kinds and chosen[(i, kind)]:
                mode["outliers"] = torch.tensor(chosen[(i, kind)])
            return mode
        return recipe

    recipes = {}
    if smooth == "smooth":
        return smooth_recipes(base, probe, oracle)
    if smooth == "mixed":
        return mixed_recipes(probe)
    if smooth == "split":
        return split_recipes(base, probe)
    if smooth == "layers":
        return layer_recipes(base, probe)
    if smooth == "fc2":
        return fc2_recipes(base, probe, channel_means(base, probe_batches(tokenizer)), channel_means(base, calibration))
    for source, peaks in (("sentences 1000-1199", oracle), ("probe", probe)):
        for ratio, cap in ((6, 4), (4, 8), (3, 16)):
            chosen = outliers_from(peaks, ratio, cap)
            counts = sum(len(v) for v in chosen.values())
            for kinds in (("fc2",), ("fc1", "fc2"), KINDS):
                label = f"outliers {source} >{ratio}x med cap {cap} on {'+'.join(kinds)} ({counts} all)"
                recipes[label] = (with_outliers(chosen, kinds), True)
    return recipes


def floor_report(base, tokenizer, texts, batches, reference):
    """How near-tied the corpus is, and what top-1 agreement float reorderings and bf16 give (the metric's floor).
    `texts` in the order of `batches` and `reference` (sorted by length)."""
    n = torch.nn.functional.normalize(reference, dim=-1)
    scores = n @ n.T
    scores.fill_diagonal_(-float("inf"))
    top = scores.topk(2, dim=1).values
    gaps = top[:, 0] - top[:, 1]
    for limit in (0.0005, 0.001, 0.002, 0.003, 0.005, 0.01):
        print(f"queries whose two nearest are within {limit}: {int((gaps < limit).sum())}")
    alone = embed(base, [tokenizer([text], return_tensors="pt") for text in texts])
    print("fp32 batch 1 vs batch 32: cosine mean %.7f worst %.7f top-1 %.1f%%" % score(reference, alone))
    wide = BertModel.from_pretrained(base.name_or_path).double().eval()
    print("float64 vs float32: cosine mean %.7f worst %.7f top-1 %.1f%%" % score(reference, embed(wide, batches)))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        print("torch bf16 autocast: cosine mean %.7f worst %.7f top-1 %.1f%%" % score(reference, embed(base, batches)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--only", default="")
    parser.add_argument("--layers", action="store_true", help="also one layer at a time")
    parser.add_argument("--set", default="sources", help="sources | outliers | smooth | mixed | layers | fc2 | split | floor")
    args = parser.parse_args()
    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    base = BertModel.from_pretrained(args.model).eval()
    texts = sentences(args.sentences)
    order = sorted(range(len(texts)), key=lambda i: len(tokenizer(texts[i])["input_ids"]))
    batches = [tokenizer([texts[i] for i in order[s:s + 32]], padding=True, return_tensors="pt")
               for s in range(0, len(order), 32)]
    reference = embed(base, batches)
    if args.set == "floor":
        floor_report(base, tokenizer, [texts[i] for i in order], batches, reference)
        return

    def fixed(assign):
        return lambda i, kind, layer, model: {"kind": assign(i, kind)}

    recipes = {
        "bf16 everywhere": (fixed(lambda i, k: "bf16"), False),
        "int8 everywhere (table int8)": (fixed(lambda i, k: "int8"), True),
        "int8, fc2 bf16 (current)": (fixed(lambda i, k: "bf16" if k == "fc2" else "int8"), True),
    }
    for kept in KINDS:
        recipes[f"int8, {kept} bf16 only"] = (fixed(lambda i, k, kept=kept: "bf16" if k == kept else "int8"), True)
    for kept in KINDS if args.layers else ():
        recipes[f"int8 {kept} only (rest bf16)"] = (
            fixed(lambda i, k, kept=kept: "int8" if k == kept else "bf16"), False)
    for layer in range(6) if args.layers else ():
        recipes[f"int8 layer {layer} only (rest bf16)"] = (
            fixed(lambda i, k, layer=layer: "int8" if i == layer else "bf16"), False)
    recipes["weight-only int8 everywhere"] = (fixed(lambda i, k: "w8"), False)
    recipes["activation-only u8 everywhere"] = (fixed(lambda i, k: "a8"), False)
    recipes["int8 table only"] = (fixed(lambda i, k: "fp32"), True)
    if args.set in ("outliers", "smooth", "mixed", "layers", "fc2", "split"):
        recipes = outlier_recipes(base, tokenizer, batches, smooth=args.set if args.set != "outliers" else "")
    for name, (recipe, table) in recipes.items():
        if args.only and args.only not in name:
            continue
        model = build(base, recipe)
        mean, worst, top1 = score(reference, embed(model, batches, int8_table=table))
        print(f"{name:45s} cosine mean {mean:.5f} worst {worst:.5f} top-1 {top1:.1f}%", flush=True)


if __name__ == "__main__":
    main()
