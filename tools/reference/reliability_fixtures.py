"""Hostile inputs for Tests/ReliabilityTests that are built, not found by a fuzzer.

flac_claims_hours.flac: a real 0.1 s FLAC (soundfile/libsndfile) whose STREAMINFO is patched to claim 655,350 Hz and
2.9 hours of frames (6.8e9 frames: under the decoder's default 3-hour limit). A decoder that reserves the declared
frame count up front asks for 27 GB; Fuse must instead read the frames that exist and report the file as truncated.
soundfile (libsndfile, the same library Fuse uses) is the reference: it reports the claimed frames and fails to read.

Run: /work/venv/bin/python tools/reference/reliability_fixtures.py
"""
import io
import pathlib

import numpy as np
import soundfile as sf

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "reliability"
OUT.mkdir(parents=True, exist_ok=True)


def patch_streaminfo(data: bytes, rate: int, frames: int) -> bytes:
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0, "STREAMINFO must be the first metadata block"
    info = bytearray(data)
    offset = 8 + 10  # "fLaC", block header, then min/max block (2+2) and min/max frame (3+3) sizes
    packed = int.from_bytes(info[offset:offset + 8], "big")
    channels_bits = (packed >> 36) & 0xFF  # channels-1 (3 bits) and bits-1 (5 bits), kept
    packed = (rate << 44) | (channels_bits << 36) | frames
    info[offset:offset + 8] = packed.to_bytes(8, "big")
    return bytes(info)


def main() -> None:
    t = np.arange(2205) / 22050
    buffer = io.BytesIO()
    sf.write(buffer, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050, format="FLAC", subtype="PCM_16")
    rate, frames = 655_350, int(655_350 * 3600 * 2.9)
    patched = patch_streaminfo(buffer.getvalue(), rate, frames)
    path = OUT / "flac_claims_hours.flac"
    path.write_bytes(patched)
    info = sf.info(str(path))
    print(path.name, len(patched), "bytes; soundfile reports", info.samplerate, "Hz,", info.frames, "frames")
    assert info.samplerate == rate and info.frames == frames


if __name__ == "__main__":
    main()
