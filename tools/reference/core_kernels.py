#!/usr/bin/env python3
"""Reference outputs for FuseCore's kernels (Tests/FuseCoreTests/*KernelTests.swift).

Run with the project's reference venv:  /work/venv/bin/python tools/reference/core_kernels.py
Writes Tests/Fixtures/core/kernels/<kernel>.json. Each file holds a list of cases; every array is flat, row-major,
stored as float32 values written with full precision. References: numpy (float64 GEMM of the float32 inputs) and
torch 2.x CPU (layer_norm, rms_norm, softmax, gelu, silu, scaled_dot_product_attention).
"""
import json
import math
import pathlib

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "core" / "kernels"
rng = np.random.default_rng(20261123)


def f32(a):
    # The shortest decimal that round-trips each float32 keeps the JSON small and exact.
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def randn(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def write(name, cases):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps({"reference": REFS[name], "cases": cases}, separators=(",", ":")))


REFS = {
    "gemm": "numpy float64 matmul of the float32 inputs",
    "batched_gemm": "numpy float64 matmul of the float32 inputs",
    "bias": "numpy float32 broadcast add",
    "layer_norm": "torch.nn.functional.layer_norm in float64 on the float32 inputs",
    "rms_norm": "torch.nn.functional.rms_norm in float64 on the float32 inputs",
    "softmax": "torch.softmax (fully masked rows: zeros by Fuse's definition, torch gives NaN)",
    "activations": "torch.nn.functional.gelu (none / tanh), x*sigmoid(1.702x), silu, relu",
    "attention": "torch.nn.functional.scaled_dot_product_attention with a boolean mask, GQA by repeat_interleave",
}


def gemm_cases():
    cases = []
    for ta in (False, True):
        for tb in (False, True):
            for (m, n, k, pad, alpha, beta) in ((7, 5, 9, 0, 1.0, 0.0), (13, 17, 33, 3, 0.5, 0.75)):
                a_rows, a_cols = (k, m) if ta else (m, k)
                b_rows, b_cols = (n, k) if tb else (k, n)
                lda, ldb, ldc = a_cols + pad, b_cols + pad, n + pad
                a = randn(a_rows, lda)
                b = randn(b_rows, ldb)
                c = randn(m, ldc)
                op_a = a[:, :a_cols].astype(np.float64)
                op_b = b[:, :b_cols].astype(np.float64)
                op_a = op_a.T if ta else op_a
                op_b = op_b.T if tb else op_b
                expected = c.astype(np.float64).copy()
                expected[:, :n] = alpha * op_a @ op_b + beta * expected[:, :n]
                cases.append(dict(transposeA=ta, transposeB=tb, m=m, n=n, k=k, alpha=alpha, beta=beta,
                                  lda=lda, ldb=ldb, ldc=ldc, a=f32(a), b=f32(b), c=f32(c), expected=f32(expected)))
    return cases


def batched_gemm_cases():
    cases = []
    for (batch, m, n, k, stride_b_zero) in ((3, 4, 6, 5, False), (4, 8, 3, 16, True)):
        a = randn(batch, m, k)
        b = randn(1 if stride_b_zero else batch, n, k)  # transposeB layout [n, k]
        expected = np.stack([a[i].astype(np.float64) @ b[0 if stride_b_zero else i].astype(np.float64).T
                             for i in range(batch)])
        cases.append(dict(batch=batch, m=m, n=n, k=k, strideA=m * k, strideB=0 if stride_b_zero else n * k,
                          strideC=m * n, a=f32(a), b=f32(b), expected=f32(expected)))
    return cases


def bias_cases():
    x = randn(5, 7)
    bias = randn(7)
    return [dict(rows=5, columns=7, x=f32(x), bias=f32(bias), expected=f32(x + bias))]


def layer_norm_cases():
    cases = []
    for (rows, cols, eps, affine, offset) in ((4, 384, 1e-12, True, 0.0), (3, 33, 1e-5, False, 0.0),
                                              (2, 64, 1e-5, True, 1000.0)):
        x = randn(rows, cols, scale=2.0) + np.float32(offset)
        w = randn(cols) if affine else None
        b = randn(cols) if affine else None
        # float64 so the reference is the exact answer for these float32 inputs, not torch's own rounding.
        y = torch.nn.functional.layer_norm(torch.from_numpy(x).double(), (cols,),
                                           None if w is None else torch.from_numpy(w).double(),
                                           None if b is None else torch.from_numpy(b).double(), eps)
        cases.append(dict(rows=rows, columns=cols, epsilon=eps, x=f32(x), weight=None if w is None else f32(w),
                          bias=None if b is None else f32(b), expected=f32(y.numpy())))
    return cases


def rms_norm_cases():
    cases = []
    for (rows, cols, eps, affine) in ((4, 256, 1e-6, True), (3, 17, 1e-5, False)):
        x = randn(rows, cols, scale=3.0)
        w = randn(cols) if affine else None
        y = torch.nn.functional.rms_norm(torch.from_numpy(x).double(), (cols,),
                                         None if w is None else torch.from_numpy(w).double(), eps)
        cases.append(dict(rows=rows, columns=cols, epsilon=eps, x=f32(x), weight=None if w is None else f32(w),
                          expected=f32(y.numpy())))
    return cases


def softmax_cases():
    x = randn(6, 11, scale=4.0)
    x[0, :] += 80.0  # large logits: overflow without max-subtraction
    x[1, [2, 5, 7]] = -np.inf  # masked entries → 0
    x[2, :] = -np.inf  # fully masked row → zeros
    x[3, :] = np.float32(-1e4)  # all equal → uniform
    y = torch.softmax(torch.from_numpy(x), dim=-1).numpy()
    y = np.nan_to_num(y, nan=0.0)
    # JSON has no -inf: the mask is sent separately and applied by the test.
    masked = np.isneginf(x)
    return [dict(rows=6, columns=11, x=f32(np.where(masked, 0, x)), negInfMask=[int(v) for v in masked.reshape(-1)],
                 expected=f32(y))]


def activation_cases():
    x = np.concatenate([np.linspace(-12, 12, 241, dtype=np.float32), randn(1024, scale=3.0),
                        np.array([0.0, -0.0, 1e-7, -1e-7, 30.0, -30.0, 88.0, -88.0], dtype=np.float32)])
    t = torch.from_numpy(x)
    F = torch.nn.functional
    outputs = {
        "gelu": F.gelu(t), "gelu_new": F.gelu(t, approximate="tanh"), "quick_gelu": t * torch.sigmoid(1.702 * t),
        "silu": F.silu(t), "relu": F.relu(t),
    }
    return [dict(name=name, x=f32(x), expected=f32(y.numpy())) for name, y in outputs.items()]


def attention_case(label, batch, heads, kv_heads, q_len, k_len, d, padding=None, causal=False, scale=None):
    q = randn(batch, q_len, heads * d)
    k = randn(batch, k_len, kv_heads * d)
    v = randn(batch, k_len, kv_heads * d)
    tq = torch.from_numpy(q).view(batch, q_len, heads, d).transpose(1, 2)
    tk = torch.from_numpy(k).view(batch, k_len, kv_heads, d).transpose(1, 2)
    tv = torch.from_numpy(v).view(batch, k_len, kv_heads, d).transpose(1, 2)
    rep = heads // kv_heads
    tk = tk.repeat_interleave(rep, dim=1)
    tv = tv.repeat_interleave(rep, dim=1)
    allowed = torch.ones(batch, 1, q_len, k_len, dtype=torch.bool)
    if padding is not None:
        allowed &= torch.tensor(padding, dtype=torch.bool).view(batch, 1, 1, k_len)
    if causal:
        offset = k_len - q_len
        i = torch.arange(q_len).view(q_len, 1)
        j = torch.arange(k_len).view(1, k_len)
        allowed &= (j <= i + offset).view(1, 1, q_len, k_len)
    out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=allowed, scale=scale)
    out = out.transpose(1, 2).reshape(batch, q_len, heads * d)
    return dict(label=label, batch=batch, heads=heads, keyValueHeads=kv_heads, queryLength=q_len, keyLength=k_len,
                headDim=d, causal=causal, scale=scale,
                keyPaddingMask=None if padding is None else [int(v) for row in padding for v in row],
                query=f32(q), key=f32(k), value=f32(v), expected=f32(out.numpy()))


def attention_cases():
    return [
        attention_case("plain", 2, 3, 3, 5, 5, 8),
        attention_case("padding", 2, 2, 2, 6, 6, 16, padding=[[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]),
        attention_case("causal", 1, 4, 4, 7, 7, 8, causal=True),
        attention_case("gqa_causal", 2, 4, 2, 6, 6, 8, causal=True),
        attention_case("kv_offset", 2, 4, 1, 2, 9, 8, causal=True),
        attention_case("kv_offset_padding", 2, 2, 2, 3, 8, 4, causal=True,
                       padding=[[0, 0, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]]),
        attention_case("custom_scale", 1, 2, 2, 4, 3, 32, scale=0.05),
        attention_case("longer", 2, 3, 3, 29, 29, 32, padding=[[1] * 29, [1] * 22 + [0] * 7]),
    ]


if __name__ == "__main__":
    torch.manual_seed(0)
    write("gemm", gemm_cases())
    write("batched_gemm", batched_gemm_cases())
    write("bias", bias_cases())
    write("layer_norm", layer_norm_cases())
    write("rms_norm", rms_norm_cases())
    write("softmax", softmax_cases())
    write("activations", activation_cases())
    write("attention", attention_cases())
    for path in sorted(OUT.glob("*.json")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
