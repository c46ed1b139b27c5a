"""Generates Tests/Fixtures/image: decoder, resampler, preprocessing and patch fixtures from Pillow,
transformers and torch.

Run: /work/venv/bin/python tools/reference/image_fixtures.py
     (or `… image_fixtures.py extreme` for the extreme-aspect fixtures alone; they need only Pillow, numpy and
     transformers: python3 -m venv /work/venv-img && /work/venv-img/bin/pip install pillow numpy transformers)
Sources are real photographs bundled with scikit-image, cropped small; PNGs of every colour type and bit
depth are written by a minimal encoder below (Pillow cannot write 16-bit RGB or interlaced PNGs), and
Pillow's `Image.open(p).convert("RGB")` of each file is the expected decode.
"""
import json
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from transformers import CLIPImageProcessor, ViTImageProcessor

ROOT = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "image"
RNG = np.random.default_rng(1234)


def skimage_data() -> Path:
    """scikit-image's bundled photographs (imported here: the extreme-aspect fixtures do not need it)."""
    import skimage
    return Path(skimage.__file__).parent / "data"


def fnv64(data: bytes) -> str:
    """FNV-1a 64-bit, hex: a compact exact fingerprint of decoded pixels."""
    h = 0xCBF29CE484222325
    arr = np.frombuffer(data, dtype=np.uint8)
    # Vectorizing FNV is awkward; the fixtures are small enough for a plain loop.
    for b in arr.tolist():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


# ---------------------------------------------------------------- minimal PNG encoder (any type, Adam7)
def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def pack_rows(samples: np.ndarray, bit_depth: int) -> list[bytes]:
    """samples: [h, w*channels] unsigned ints → packed scanlines (no filter byte)."""
    rows = []
    for row in samples:
        if bit_depth == 16:
            rows.append(row.astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(row.astype(np.uint8).tobytes())
        else:
            per = 8 // bit_depth
            padded = np.zeros(((len(row) + per - 1) // per) * per, dtype=np.uint8)
            padded[: len(row)] = row
            groups = padded.reshape(-1, per)
            packed = np.zeros(len(groups), dtype=np.uint8)
            for i in range(per):
                packed |= (groups[:, i] << (8 - bit_depth * (i + 1))).astype(np.uint8)
            rows.append(packed.tobytes())
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def encode_png(samples: np.ndarray, color_type: int, bit_depth: int, interlace=False, plte=None, trns=None) -> bytes:
    """samples: [h, w, channels] integer array at `bit_depth`."""
    h, w, c = samples.shape
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.size == 0:
                continue
            for r in pack_rows(sub.reshape(sub.shape[0], -1), bit_depth):
                raw += b"\x00" + r
    else:
        for r in pack_rows(samples.reshape(h, -1), bit_depth):
            raw += b"\x00" + r
    out = b"\x89PNG\r\n\x1a\n"
    out += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if plte is not None:
        out += png_chunk(b"PLTE", bytes(plte))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    out += png_chunk(b"IDAT", zlib.compress(raw, 9))
    out += png_chunk(b"IEND", b"")
    return out


def photo(name: str, box=None) -> np.ndarray:
    im = Image.open(skimage_data() / name).convert("RGB")
    if box:
        im = im.crop(box)
    return np.asarray(im)


# ---------------------------------------------------------------- decoding fixtures
def decode_fixtures():
    out = ROOT / "decode"
    out.mkdir(parents=True, exist_ok=True)
    files = []
    base = photo("astronaut.png", (180, 60, 217, 89)).astype(np.int64)  # 37×29, odd sizes
    grey = base.mean(axis=2).astype(np.int64)
    alpha = RNG.integers(0, 256, size=grey.shape)

    def write(name, data):
        (out / name).write_bytes(data)
        files.append(name)

    for interlace in (False, True):
        tag = "_i" if interlace else ""
        for depth in (1, 2, 4, 8, 16):
            values = grey * ((1 << depth) - 1) // 255
            if depth == 16:
                values = grey * RNG.integers(1, 3, size=grey.shape) // 2 + RNG.integers(0, 2, size=grey.shape) * grey * 200
            write(f"grey{depth}{tag}.png", encode_png(values[..., None], 0, depth, interlace))
        write(f"grey8_trns{tag}.png", encode_png(grey[..., None], 0, 8, interlace, trns=struct.pack(">H", 40)))
        write(f"rgb8{tag}.png", encode_png(base, 2, 8, interlace))
        write(f"rgb16{tag}.png", encode_png(base * 257 + RNG.integers(0, 257, size=base.shape), 2, 16, interlace))
        write(f"rgb8_trns{tag}.png", encode_png(base, 2, 8, interlace, trns=struct.pack(">HHH", 10, 20, 30)))
        for depth in (1, 2, 4, 8):
            n = 1 << depth
            palette = RNG.integers(0, 256, size=(n, 3))
            index = (grey * n // 256).clip(0, n - 1)
            trns = bytes(RNG.integers(0, 256, size=max(1, n // 2)).tolist())
            write(f"palette{depth}{tag}.png", encode_png(index[..., None], 3, depth, interlace, plte=palette.flatten().tolist()))
            write(f"palette{depth}_trns{tag}.png",
                  encode_png(index[..., None], 3, depth, interlace, plte=palette.flatten().tolist(), trns=trns))
        write(f"greyalpha8{tag}.png", encode_png(np.stack([grey, alpha], -1), 4, 8, interlace))
        write(f"greyalpha16{tag}.png", encode_png(np.stack([grey * 257 + 3, alpha * 250], -1), 4, 16, interlace))
        write(f"rgba8{tag}.png", encode_png(np.concatenate([base, alpha[..., None]], -1), 6, 8, interlace))
        write(f"rgba16{tag}.png", encode_png(np.concatenate([base * 257 + 7, alpha[..., None] * 257], -1), 6, 16, interlace))
    write("one_pixel.png", encode_png(np.array([[[200, 100, 50]]]), 2, 8))
    write("one_pixel.jpg", jpeg_bytes(Image.new("RGB", (1, 1), (200, 100, 50))))

    # Real-photo JPEGs: baseline 4:2:0, 4:2:2, 4:4:4, progressive, greyscale, CMYK (Adobe, inverted).
    coffee = Image.fromarray(photo("coffee.png", (30, 20, 363, 537)))  # 333×517
    coffee.save(out / "coffee_333x517.jpg", quality=90)
    files.append("coffee_333x517.jpg")
    chelsea = Image.fromarray(photo("chelsea.png"))
    chelsea.save(out / "chelsea_progressive.jpg", quality=80, progressive=True)
    files.append("chelsea_progressive.jpg")
    small = Image.fromarray(photo("astronaut.png", (100, 40, 196, 104)))  # 96×64
    small.save(out / "astronaut_444.jpg", quality=92, subsampling=0)
    small.save(out / "astronaut_422.jpg", quality=92, subsampling=1)
    files += ["astronaut_444.jpg", "astronaut_422.jpg"]
    Image.open(skimage_data() / "camera.png").crop((100, 100, 301, 251)).save(out / "camera_grey.jpg", quality=85)
    files.append("camera_grey.jpg")
    small.convert("CMYK").save(out / "astronaut_cmyk.jpg", quality=90)
    files.append("astronaut_cmyk.jpg")
    # Very wide and very tall real-photo strips, kept as PNG (lossless).
    retina = photo("retina.jpg")
    Image.fromarray(retina[700:712, 5:1405]).save(out / "wide_1400x12.png")
    Image.fromarray(retina[5:1405, 700:712]).save(out / "tall_12x1400.png")
    files += ["wide_1400x12.png", "tall_12x1400.png"]
    (out / "rocket.jpg").write_bytes((skimage_data() / "rocket.jpg").read_bytes())
    files.append("rocket.jpg")

    entries = []
    for name in files:
        im = Image.open(out / name)
        mode = im.mode
        rgb = np.asarray(im.convert("RGB"))
        entries.append({"file": name, "pillowMode": mode, "width": rgb.shape[1], "height": rgb.shape[0],
                        "fnv64": fnv64(rgb.tobytes()), "mean": rgb.reshape(-1, 3).mean(0).round(4).tolist()})
    (ROOT / "decode.json").write_text(json.dumps(entries, indent=1))
    return files


def jpeg_bytes(im, **kw) -> bytes:
    import io
    buf = io.BytesIO()
    im.save(buf, format="JPEG", **kw)
    return buf.getvalue()


# ---------------------------------------------------------------- resampling fixtures (Pillow's resize)
FILTERS = {"box": Image.Resampling.BOX, "bilinear": Image.Resampling.BILINEAR, "hamming": Image.Resampling.HAMMING,
           "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS}


def resize_fixtures():
    out = ROOT / "resize"
    out.mkdir(parents=True, exist_ok=True)
    cases = [("coffee_333x517.jpg", 224, 348, "bicubic"), ("coffee_333x517.jpg", 100, 77, "bilinear"),
             ("coffee_333x517.jpg", 61, 97, "lanczos"), ("coffee_333x517.jpg", 50, 120, "box"),
             ("coffee_333x517.jpg", 140, 150, "hamming"), ("astronaut_444.jpg", 250, 171, "bicubic"),
             ("astronaut_444.jpg", 131, 64, "bilinear"), ("one_pixel.png", 5, 3, "bicubic"),
             ("rocket.jpg", 336, 224, "bicubic"), ("chelsea_progressive.jpg", 224, 224, "bilinear"),
             # Pillow 13 runs the vertical pass first when the height shrinks by over twice the width's shrink.
             ("coffee_333x517.jpg", 300, 200, "bicubic"), ("coffee_333x517.jpg", 224, 224, "lanczos"),
             ("coffee_333x517.jpg", 333, 100, "hamming"), ("coffee_333x517.jpg", 200, 517, "bilinear"),
             ("tall_12x1400.png", 30, 224, "bicubic"), ("wide_1400x12.png", 224, 30, "bicubic")]
    entries = []
    for i, (src, w, h, filt) in enumerate(cases):
        im = Image.open(ROOT / "decode" / src).convert("RGB")
        name = f"resize{i}_{w}x{h}_{filt}.png"
        im.resize((w, h), resample=FILTERS[filt]).save(out / name)
        entries.append({"source": src, "width": w, "height": h, "filter": filt, "expected": name})
    (ROOT / "resize.json").write_text(json.dumps(entries, indent=1))


# ---------------------------------------------------------------- preprocessing fixtures (transformers)
def preprocess_fixtures():
    out = ROOT / "preprocess"
    out.mkdir(parents=True, exist_ok=True)
    configs = {
        "clip224": CLIPImageProcessor(),
        "vit224": ViTImageProcessor(),
        "clip40": CLIPImageProcessor(size={"shortest_edge": 40}, crop_size={"height": 40, "width": 40}),
        "vit32x48": ViTImageProcessor(size={"height": 32, "width": 48}),
    }
    for key, proc in configs.items():
        proc.save_pretrained(out / key)
    sources = ["coffee_333x517.jpg", "rocket.jpg", "chelsea_progressive.jpg", "wide_1400x12.png", "tall_12x1400.png",
               "one_pixel.png", "astronaut_cmyk.jpg", "camera_grey.jpg"]
    entries = []
    for key, proc in configs.items():
        for src in sources:
            if key in ("clip40", "vit32x48") and src not in ("coffee_333x517.jpg", "tall_12x1400.png"):
                continue
            im = Image.open(ROOT / "decode" / src).convert("RGB")
            arr = np.asarray(im).transpose(2, 0, 1)
            resized = proc.resize(arr, size=proc.size, resample=proc.resample) if proc.do_resize else arr
            cropped = proc.center_crop(resized, proc.crop_size) if proc.do_center_crop else resized
            cropped_name = f"{key}_{Path(src).stem}.png"
            Image.fromarray(np.ascontiguousarray(cropped.transpose(1, 2, 0))).save(out / cropped_name)
            tensor = proc(im, return_tensors="np")["pixel_values"][0].astype(np.float32)
            entry = {"config": key, "source": src, "cropped": cropped_name, "shape": list(tensor.shape)}
            if tensor.size <= 3 * 48 * 48:
                name = f"{key}_{Path(src).stem}.f32"
                tensor.astype("<f4").tofile(out / name)
                entry["tensor"] = name
            else:
                flat = tensor.reshape(-1)
                idx = np.arange(0, flat.size, 997)
                entry["sampleStride"] = 997
                entry["samples"] = [float(v) for v in flat[idx]]
            entries.append(entry)
    (ROOT / "preprocess.json").write_text(json.dumps(entries, indent=1))


# ---------------------------------------------------------------- extreme aspect ratios (issue 17)
def extreme_aspect_fixtures():
    """Thin images through CLIPImageProcessor: a 1×5000 PNG resizes to 224×1,120,000 before the 224² centre crop
    (and 5000×1 to 1,120,000×224, 3×4000 to 224×298,666). Fuse computes only the cropped rows and columns; these
    fixtures hold transformers' full resize-then-crop result. The pixels are the coffee photo's, in raster order."""
    decode = ROOT / "decode"
    out = ROOT / "extreme"
    out.mkdir(parents=True, exist_ok=True)
    coffee = np.asarray(Image.open(decode / "coffee_333x517.jpg").convert("RGB")).reshape(-1, 3)
    sources = {"thin_1x5000.png": (1, 5000), "thin_5000x1.png": (5000, 1), "thin_3x4000.png": (3, 4000)}
    proc = CLIPImageProcessor.from_pretrained(ROOT / "preprocess" / "clip224")
    entries = []
    for name, (w, h) in sources.items():
        Image.fromarray(np.ascontiguousarray(coffee[: w * h].reshape(h, w, 3))).save(decode / name)
        im = Image.open(decode / name).convert("RGB")
        arr = np.asarray(im).transpose(2, 0, 1)
        resized = proc.resize(arr, size=proc.size, resample=proc.resample)
        cropped = proc.center_crop(resized, proc.crop_size)
        del resized
        cropped_name = f"clip224_{Path(name).stem}.png"
        Image.fromarray(np.ascontiguousarray(cropped.transpose(1, 2, 0))).save(out / cropped_name)
        tensor = proc(im, return_tensors="np")["pixel_values"][0].astype(np.float32)
        flat = tensor.reshape(-1)
        entries.append({"config": "clip224", "source": name, "cropped": cropped_name, "shape": list(tensor.shape),
                        "sampleStride": 997, "samples": [float(v) for v in flat[np.arange(0, flat.size, 997)]]})
    (ROOT / "extreme.json").write_text(json.dumps(entries, indent=1))


# ---------------------------------------------------------------- patch fixtures (torch Conv2d / Conv3d)
def patch_fixtures():
    import torch
    out = ROOT / "patches"
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    x = torch.randn(3, 32, 48)
    p, d = 16, 8
    conv = torch.nn.Conv2d(3, d, kernel_size=p, stride=p, bias=False)
    y = conv(x[None])[0]                                   # [d, 2, 3]
    expected = y.flatten(1).T.contiguous()                  # [N, d], patches row-major over the grid
    conv3 = torch.nn.Conv3d(3, d, kernel_size=(2, p, p), stride=(2, p, p), bias=False)
    video = x[:, None].repeat(1, 2, 1, 1)                   # ImageBind's PadIm2Video(repeat, ntimes=2)
    y3 = conv3(video[None])[0].flatten(1).T.contiguous()    # [N, d]
    for name, t in {"input": x, "conv2d_weight": conv.weight, "conv2d_out": expected,
                    "conv3d_weight": conv3.weight, "conv3d_out": y3}.items():
        t.detach().numpy().astype("<f4").tofile(out / f"{name}.f32")
    (ROOT / "patches.json").write_text(json.dumps({
        "input": [3, 32, 48], "patchSize": p, "outChannels": d,
        "conv2d_weight": list(conv.weight.shape), "conv3d_weight": list(conv3.weight.shape),
        "grid": [2, 3]}, indent=1))


# ---------------------------------------------------------------- bad inputs (each must be a named error)
def bad_fixtures():
    out = ROOT / "bad"
    out.mkdir(parents=True, exist_ok=True)
    good_png = (ROOT / "decode" / "rgb8.png").read_bytes()
    good_jpg = (ROOT / "decode" / "coffee_333x517.jpg").read_bytes()
    cases = {}

    def put(name, data, expect):
        (out / name).write_bytes(data)
        cases[name] = expect

    put("truncated.png", good_png[: len(good_png) // 2], "corrupt")
    idat = good_png.index(b"IDAT") + 20
    put("crc_error.png", good_png[:idat] + bytes([good_png[idat] ^ 0xFF]) + good_png[idat + 1:], "corrupt")
    ihdr = struct.pack(">IIBBBBB", 0, 29, 8, 2, 0, 0, 0)
    put("zero_width.png", good_png[:8] + png_chunk(b"IHDR", ihdr) + good_png[33:], "corrupt")
    # A valid header declaring 100000 × 100000 pixels and no data: must fail on the limit, before allocating.
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    put("bomb.png", good_png[:8] + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b""), "tooManyPixels")
    put("not_an_image.png", b"Hello, this is plain text pretending to be a PNG file.\n", "unrecognizedFormat")
    put("empty.png", b"", "empty")
    put("truncated.jpg", good_jpg[: len(good_jpg) * 6 // 10], "corrupt")
    dht = good_jpg.index(b"\xff\xc4")
    # The 16 code-length counts follow the 2-byte length and the class/id byte; 0xFF in each claims far more
    # codes than the table holds ("Bogus Huffman table definition").
    put("bad_huffman.jpg", good_jpg[: dht + 5] + b"\xff" * 16 + good_jpg[dht + 21:], "corrupt")
    sof = good_jpg.index(b"\xff\xc0")
    put("zero_height.jpg", good_jpg[: sof + 5] + b"\x00\x00" + good_jpg[sof + 7:], "corrupt")
    (ROOT / "bad.json").write_text(json.dumps(cases, indent=1, sort_keys=True))
    for name in cases:  # Pillow rejects every one of them too
        try:
            Image.open(out / name).convert("RGB")
            raise SystemExit(f"Pillow accepted {name}")
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            pass


if __name__ == "__main__":
    if sys.argv[1:] == ["extreme"]:
        extreme_aspect_fixtures()
        raise SystemExit(0)
    decode_fixtures()
    bad_fixtures()
    resize_fixtures()
    preprocess_fixtures()
    extreme_aspect_fixtures()
    patch_fixtures()
    total = sum(f.stat().st_size for f in ROOT.rglob("*") if f.is_file())
    print(f"fixtures written to {ROOT}: {total / 1e6:.2f} MB")
