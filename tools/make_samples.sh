#!/usr/bin/env bash
# Regenerates samples/ from openly licensed material available offline:
# scikit-image's bundled photographs (CC0 / public domain) and espeak-ng speech + sox tones (generated here).
# Needs: a Python with scikit-image and Pillow (PYTHON=…), espeak-ng and sox (Debian).
set -euo pipefail
cd "$(dirname "$0")/../samples"
PYTHON=${PYTHON:-python3}
mkdir -p images audio text
"$PYTHON" - <<'PY'
import os, shutil, skimage
from PIL import Image
d = os.path.join(os.path.dirname(skimage.__file__), "data")
shutil.copy(f"{d}/chelsea.png", "images/cat.png")
Image.open(f"{d}/coffee.png").convert("RGB").save("images/coffee.jpg", quality=90)
Image.open(f"{d}/astronaut.png").convert("RGB").save("images/astronaut.jpg", quality=90)
shutil.copy(f"{d}/rocket.jpg", "images/rocket.jpg")
shutil.copy(f"{d}/horse.png", "images/horse.png")
shutil.copy(f"{d}/camera.png", "images/camera.png")
PY
say() {
    espeak-ng -v en-us -s 150 -w "audio/$1.raw.wav" "$2"
    sox "audio/$1.raw.wav" -r 16000 -b 16 "audio/$1.wav" && rm "audio/$1.raw.wav"
}
say cat "A ginger cat resting and looking at the camera."
say coffee "A cup of coffee on a saucer."
say astronaut "An astronaut in a space suit."
say rocket "A rocket launching into the sky."
say horse "The black silhouette of a horse."
say camera "A man with a camera on a tripod."
sox -n -r 44100 -b 16 audio/tone-440hz.flac synth 2 sine 440 vol 0.5
sox -n -r 48000 -c 2 -b 16 audio/chirp-stereo.wav synth 1 sine 200-4000 vol 0.5
