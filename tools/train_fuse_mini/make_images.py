"""Captioned training images: rendered shapes, colours, digits, patterns and scenes (PIL), and scikit-image /
scikit-learn photographs with captions written for Fuse, augmented by random crops.

Every image comes out 224x224 uint8 RGB after CLIP's resize + centre crop (transformers' CLIPImageProcessor,
Pillow backend), so training only has to rescale and normalise.
"""
from __future__ import annotations

import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

COLORS = {
    "red": (220, 30, 30), "green": (40, 160, 50), "blue": (30, 60, 220), "yellow": (245, 220, 30),
    "orange": (245, 140, 20), "purple": (130, 40, 170), "pink": (245, 130, 190), "brown": (120, 70, 30),
    "black": (15, 15, 15), "white": (245, 245, 245), "gray": (128, 128, 128),
}
SHAPES = ["circle", "square", "triangle", "star", "hexagon", "cross", "diamond", "ring"]
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
WORDS = ["cat", "dog", "sun", "tree", "car", "house", "moon", "fish", "bird", "star", "ship", "book", "cake",
         "rain", "snow", "fire", "water", "music", "apple", "hello", "love", "stop", "yes", "no", "fuse"]

# Photos bundled with scikit-image (CC0 / public domain) and scikit-learn, with captions written for Fuse.
# The first six are also in samples/ (cat = chelsea, ...): they ARE in training, which the model card states.
PHOTOS = {
    "chelsea.png": ["a ginger tabby cat", "an orange cat lying down and looking at the camera",
                    "a photo of a cat on a blanket", "a close-up of a cat's face"],
    "coffee.png": ["a cup of coffee on a saucer", "a coffee cup with latte art seen from above",
                   "a photo of a cup of coffee", "a hot drink in a white cup"],
    "astronaut.png": ["an astronaut in a white space suit", "a portrait of an astronaut with the American flag",
                      "a NASA astronaut in a spacesuit", "a smiling woman astronaut"],
    "rocket.jpg": ["a rocket launching into the sky", "a space rocket lifting off from the launch pad",
                   "a photo of a rocket launch", "a rocket with smoke and flames taking off"],
    "horse.png": ["the black silhouette of a horse", "a black horse shape on a white background",
                  "a drawing of a horse", "the outline of a standing horse"],
    "camera.png": ["a black-and-white photo of a cameraman", "a man using a camera on a tripod",
                   "a photographer with a camera", "a grayscale picture of a man with a camera"],
    "coins.png": ["a collection of old coins", "many coins arranged in rows", "a grayscale photo of coins"],
    "clock_motion.png": ["a wall clock blurred by motion", "a clock face with motion blur"],
    "moon.png": ["the surface of the moon with craters", "a grayscale close-up of the moon"],
    "page.png": ["a scanned page of printed text", "an old book page with lines of text"],
    "text.png": ["black letters and words on a white background", "printed text in many fonts"],
    "brick.png": ["a brick wall texture", "a grayscale close-up of bricks"],
    "grass.png": ["a texture of grass", "a grayscale close-up of grass blades"],
    "gravel.png": ["a texture of gravel stones", "a close-up of small pebbles"],
    "hubble_deep_field.jpg": ["the Hubble deep field full of distant galaxies", "many galaxies in black space"],
    "ihc.png": ["a microscope image of stained tissue", "cells stained brown and blue under a microscope"],
    "retina.jpg": ["a photograph of the retina of an eye", "the back of an eye with blood vessels"],
    "cell.png": ["a microscope image of a cell", "a grayscale microscopy picture of a cell"],
    "color.png": ["a colour wheel with all the hues", "a circle of rainbow colours"],
    "motorcycle_left.png": ["a motorcycle parked in a room", "a photo of a motorbike"],
    "chessboard_RGB.png": ["a black and white chessboard pattern", "a checkerboard of black and white squares"],
    "sk:china.jpg": ["a Chinese temple among green trees", "an old pagoda under a blue sky"],
    "sk:flower.jpg": ["a close-up of a pink flower", "a flower with petals in sunlight"],
}


def an(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def jitter(rgb, rng, amount=20):
    return tuple(int(np.clip(c + rng.randint(-amount, amount), 0, 255)) for c in rgb)


def pick_two_colors(rng):
    a, b = rng.sample(list(COLORS), 2)
    return a, b


def shape_polygon(kind, cx, cy, r, rng):
    if kind in ("square",):
        return [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    if kind == "diamond":
        return [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
    if kind == "triangle":
        return [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
    if kind == "hexagon":
        return [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in np.arange(6) * math.pi / 3]
    if kind == "star":
        pts = []
        for i in range(10):
            rr = r if i % 2 == 0 else r * 0.42
            a = -math.pi / 2 + i * math.pi / 5
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        return pts
    if kind == "cross":
        w = r * 0.35
        return [(cx - w, cy - r), (cx + w, cy - r), (cx + w, cy - w), (cx + r, cy - w), (cx + r, cy + w),
                (cx + w, cy + w), (cx + w, cy + r), (cx - w, cy + r), (cx - w, cy + w), (cx - r, cy + w),
                (cx - r, cy - w), (cx - w, cy - w)]
    raise ValueError(kind)


def draw_shape(d, kind, cx, cy, r, fill, bg):
    if kind == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif kind == "ring":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        d.ellipse([cx - r * 0.55, cy - r * 0.55, cx + r * 0.55, cy + r * 0.55], fill=bg)
    else:
        d.polygon(shape_polygon(kind, cx, cy, r, None), fill=fill)


def render_shape(rng):
    c, bg = pick_two_colors(rng)
    s = rng.choice(SHAPES)
    im = Image.new("RGB", (224, 224), jitter(COLORS[bg], rng))
    d = ImageDraw.Draw(im)
    r = rng.uniform(35, 95)
    cx, cy = rng.uniform(r, 224 - r), rng.uniform(r, 224 - r)
    draw_shape(d, s, cx, cy, r, jitter(COLORS[c], rng), im.getpixel((0, 0)))
    size = "large " if r > 75 else ("small " if r < 48 else "")
    cap = rng.choice([f"{an(size + c)} {s} on {an(bg)} background", f"{an(c)} {s}", f"{an(size + c)} {s}",
                      f"a picture of {an(c)} {s} on {bg}"])
    return im, cap


def render_two_shapes(rng):
    bg = rng.choice(list(COLORS))
    cols = [c for c in COLORS if c != bg]
    c1, c2 = rng.sample(cols, 2)
    s1, s2 = rng.sample(SHAPES, 2)
    im = Image.new("RGB", (224, 224), jitter(COLORS[bg], rng))
    d = ImageDraw.Draw(im)
    r = rng.uniform(28, 48)
    left = rng.random() < 0.5
    xs = (rng.uniform(r, 112 - r / 2), rng.uniform(112 + r / 2, 224 - r))
    ys = (rng.uniform(r, 224 - r), rng.uniform(r, 224 - r))
    if not left:
        xs = xs[::-1]
    draw_shape(d, s1, xs[0], ys[0], r, jitter(COLORS[c1], rng), im.getpixel((0, 0)))
    draw_shape(d, s2, xs[1], ys[1], r, jitter(COLORS[c2], rng), im.getpixel((0, 0)))
    return im, f"{an(c1)} {s1} and {an(c2)} {s2} on {an(bg)} background"


def render_digit(rng):
    c, bg = pick_two_colors(rng)
    k = rng.randrange(10)
    im = Image.new("RGB", (224, 224), jitter(COLORS[bg], rng))
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, rng.randint(110, 190))
    x0, y0, x1, y1 = d.textbbox((0, 0), str(k), font=font)
    w, h = x1 - x0, y1 - y0
    d.text((rng.uniform(0, max(1, 224 - w)) - x0, rng.uniform(0, max(1, 224 - h)) - y0), str(k), font=font,
           fill=jitter(COLORS[c], rng))
    cap = rng.choice([f"the digit {k} in {c} on {an(bg)} background", f"the number {DIGIT_WORDS[k]}",
                      f"{an(c)} number {DIGIT_WORDS[k]}", f"the digit {k}"])
    return im, cap


def render_word(rng):
    c, bg = pick_two_colors(rng)
    word = rng.choice(WORDS)
    im = Image.new("RGB", (224, 224), jitter(COLORS[bg], rng))
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, rng.randint(36, 60))
    x0, y0, x1, y1 = d.textbbox((0, 0), word, font=font)
    d.text(((224 - (x1 - x0)) / 2 - x0 + rng.uniform(-10, 10), rng.uniform(10, 200 - (y1 - y0)) - y0), word,
           font=font, fill=jitter(COLORS[c], rng))
    return im, rng.choice([f"the word {word} written in {c}", f"the text \"{word}\"", f"the word {word}"])


def render_plain(rng):
    c1, c2 = pick_two_colors(rng)
    if rng.random() < 0.5:
        return Image.new("RGB", (224, 224), jitter(COLORS[c1], rng)), rng.choice(
            [f"a plain {c1} image", f"solid {c1}", f"an empty {c1} picture"])
    a, b = np.array(COLORS[c1], np.float32), np.array(COLORS[c2], np.float32)
    t = np.linspace(0, 1, 224, dtype=np.float32)[:, None, None]
    g = a + (b - a) * t
    arr = np.broadcast_to(g, (224, 224, 3)).astype(np.uint8)
    if rng.random() < 0.5:
        arr = arr.transpose(1, 0, 2)
    return Image.fromarray(np.ascontiguousarray(arr)), f"a gradient from {c1} to {c2}"


def render_pattern(rng):
    c1, c2 = pick_two_colors(rng)
    kind = rng.choice(["hstripes", "vstripes", "checker", "dots"])
    period = rng.randint(16, 56)
    yy, xx = np.mgrid[0:224, 0:224]
    a, b = np.array(jitter(COLORS[c1], rng), np.uint8), np.array(jitter(COLORS[c2], rng), np.uint8)
    if kind == "hstripes":
        m, cap = (yy // (period // 2)) % 2 == 0, f"horizontal {c1} and {c2} stripes"
    elif kind == "vstripes":
        m, cap = (xx // (period // 2)) % 2 == 0, f"vertical {c1} and {c2} stripes"
    elif kind == "checker":
        m, cap = ((yy // (period // 2)) + (xx // (period // 2))) % 2 == 0, f"{an(c1)} and {c2} checkerboard"
    else:
        cy, cx = (yy % period) - period / 2, (xx % period) - period / 2
        m, cap = (cy**2 + cx**2) < (period * 0.3) ** 2, f"{c1} polka dots on {an(c2)} background"
    return Image.fromarray(np.where(m[..., None], a, b).astype(np.uint8)), cap


def render_scene(rng):
    kind = rng.choice(["day", "night", "house", "tree", "sea"])
    im = Image.new("RGB", (224, 224))
    d = ImageDraw.Draw(im)
    horizon = rng.randint(130, 175)
    if kind == "night":
        d.rectangle([0, 0, 224, 224], fill=jitter((10, 15, 50), rng, 10))
        for _ in range(rng.randint(15, 40)):
            x, y = rng.uniform(0, 224), rng.uniform(0, 224)
            d.ellipse([x - 1.5, y - 1.5, x + 1.5, y + 1.5], fill=(250, 250, 230))
        x, y, r = rng.uniform(40, 184), rng.uniform(30, 100), rng.uniform(18, 30)
        d.ellipse([x - r, y - r, x + r, y + r], fill=(240, 240, 215))
        return im, rng.choice(["a night sky with the moon and stars", "the moon and stars at night"])
    sky = jitter((110, 170, 240), rng)
    d.rectangle([0, 0, 224, horizon], fill=sky)
    if kind == "sea":
        d.rectangle([0, horizon, 224, 224], fill=jitter((20, 70, 150), rng))
        if rng.random() < 0.5:
            x = rng.uniform(40, 180)
            d.polygon([(x - 30, horizon + 10), (x + 30, horizon + 10), (x + 20, horizon + 25), (x - 20, horizon + 25)],
                      fill=(120, 70, 30))
            d.polygon([(x, horizon - 40), (x, horizon + 8), (x + 25, horizon + 8)], fill=(245, 245, 245))
            return im, "a sailing boat on the blue sea"
        return im, rng.choice(["the sea under a blue sky", "a view of the ocean and the horizon"])
    d.rectangle([0, horizon, 224, 224], fill=jitter((60, 160, 60), rng))
    sx, sy, sr = rng.uniform(20, 204), rng.uniform(20, 70), rng.uniform(14, 26)
    d.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=jitter((250, 215, 40), rng, 10))
    if kind == "day":
        return im, rng.choice(["a yellow sun in a blue sky over green grass", "a sunny day over a green field"])
    if kind == "house":
        x, w = rng.uniform(30, 110), rng.uniform(60, 90)
        top = horizon - w * 0.8
        wall = rng.choice(["red", "white", "yellow", "brown"])
        d.rectangle([x, top, x + w, horizon + 5], fill=jitter(COLORS[wall], rng))
        d.polygon([(x - 8, top), (x + w + 8, top), (x + w / 2, top - w * 0.55)], fill=jitter((150, 40, 30), rng))
        d.rectangle([x + w * 0.4, horizon - w * 0.35, x + w * 0.6, horizon + 5], fill=(70, 40, 20))
        return im, f"a {wall} house with a roof under a blue sky"
    x = rng.uniform(50, 174)
    d.rectangle([x - 8, horizon - 60, x + 8, horizon + 5], fill=(100, 60, 25))
    r = rng.uniform(35, 50)
    d.ellipse([x - r, horizon - 60 - r * 1.4, x + r, horizon - 60 + r * 0.5], fill=jitter((30, 120, 40), rng))
    return im, rng.choice(["a green tree on a meadow", "a tree standing on the grass"])


RENDERERS = [(render_shape, 0.36), (render_two_shapes, 0.10), (render_digit, 0.14), (render_word, 0.06),
             (render_plain, 0.08), (render_pattern, 0.12), (render_scene, 0.14)]


def load_photo(name: str) -> Image.Image:
    if name.startswith("sk:"):
        import sklearn.datasets

        d = os.path.join(os.path.dirname(sklearn.datasets.__file__), "images")
        return Image.open(os.path.join(d, name[3:])).convert("RGB")
    import skimage

    return Image.open(os.path.join(os.path.dirname(skimage.__file__), "data", name)).convert("RGB")


def augment_photo(im: Image.Image, rng) -> Image.Image:
    w, h = im.size
    for _ in range(10):
        area = rng.uniform(0.35, 1.0) * w * h
        ar = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        cw, ch = int(round(math.sqrt(area * ar))), int(round(math.sqrt(area / ar)))
        if cw <= w and ch <= h:
            x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
            im = im.crop((x, y, x + cw, y + ch))
            break
    if rng.random() < 0.5:
        im = im.transpose(Image.FLIP_LEFT_RIGHT)
    arr = np.asarray(im).astype(np.float32)
    arr = (arr - 128) * rng.uniform(0.8, 1.2) + 128 + rng.uniform(-20, 20)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def clip_resize_crop(processor, im: Image.Image) -> np.ndarray:
    """CLIPImageProcessor's resize (shortest side 224, bicubic) + centre crop, without rescale/normalise."""
    out = processor(images=im, do_rescale=False, do_normalize=False, return_tensors="np")["pixel_values"][0]
    return np.clip(np.round(np.moveaxis(out, 0, -1)), 0, 255).astype(np.uint8)


def make_images(n_synthetic: int, photo_crops: int, seed: int, processor):
    rng = random.Random(seed)
    fns, weights = zip(*RENDERERS)
    images, captions, kinds = [], [], []
    for _ in range(n_synthetic):
        fn = rng.choices(fns, weights)[0]
        im, cap = fn(rng)
        images.append(np.asarray(im, dtype=np.uint8))  # already 224x224: CLIP's resize/crop is the identity
        captions.append(cap)
        kinds.append(fn.__name__.removeprefix("render_"))
    for name, caps in PHOTOS.items():
        base = load_photo(name)
        for i in range(photo_crops):
            images.append(clip_resize_crop(processor, augment_photo(base, rng) if i else base))
            captions.append(caps[i % len(caps)])
            kinds.append("photo:" + name.removeprefix("sk:"))
    return np.stack(images), captions, kinds
