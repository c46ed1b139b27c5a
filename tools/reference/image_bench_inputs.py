"""Writes the 1024×768 benchmark inputs for `fuse bench image` (a real photograph from scikit-image's data,
retina.jpg, centre-cropped): bench_1024x768.png (Pillow defaults) and bench_1024x768.jpg (quality 90, 4:2:0).

Run: /work/venv/bin/python tools/reference/image_bench_inputs.py [OUTPUT_DIR]   (default /tmp/fuse-bench-images)
"""
import sys
from pathlib import Path

import skimage
from PIL import Image

out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fuse-bench-images")
out.mkdir(parents=True, exist_ok=True)
photo = Image.open(Path(skimage.__file__).parent / "data" / "retina.jpg").convert("RGB")
w, h = photo.size
crop = photo.crop(((w - 1024) // 2, (h - 768) // 2, (w - 1024) // 2 + 1024, (h - 768) // 2 + 768))
crop.save(out / "bench_1024x768.png")
crop.save(out / "bench_1024x768.jpg", quality=90)
print(out / "bench_1024x768.png", out / "bench_1024x768.jpg")
