"""Small real files in every container libsndfile reads, for the audio plugin's claims and decoding (issue 17).

Each file is written by soundfile (libsndfile) from a short chirp + tone (0.05-0.1 s, mono or stereo), then read
back by soundfile as float32 and averaged over channels: that array is the decode reference. Writes
Tests/Fixtures/audio/containers/ with the files, their reference arrays (*.f32) and manifest.json, which records
for each file libsndfile's major format (SF_FORMAT_*) and how the plugin must recognise it (`sniff`): "definite"
for a distinctive magic number, "possible" for a weak one (a bare MPEG frame header, MATLAB 4/5, MIDI sample dump,
MPC 2000: two to four bytes, or headers any MATLAB file has), "extension" when the content says nothing (HTK). Two files carry an ID3v2 tag in front (an MP3 and a FLAC), which libsndfile skips.

Eleven more files come from another writer, sox (Debian package; its own AU, AIFF-C, VOC, NIST SPHERE and 8SVX
code, with a 0.1 s 440 Hz sine): AU in every encoding sox writes (u-law, A-law, signed 8/16/24/32, float).

Run in a venv with soundfile (its wheel bundles libsndfile with MPEG and Opus support), sox on PATH:
    /work/venv-audio/bin/python tools/reference/audio_containers.py
"""
import json
import os
import subprocess

import numpy as np
import soundfile as sf

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "audio", "containers")
os.makedirs(ROOT, exist_ok=True)

# libsndfile's major format codes (sndfile.h).
MAJOR = {"WAV": 0x010000, "AIFF": 0x020000, "AU": 0x030000, "PAF": 0x050000, "SVX": 0x060000, "NIST": 0x070000,
         "VOC": 0x080000, "IRCAM": 0x0A0000, "W64": 0x0B0000, "MAT4": 0x0C0000, "MAT5": 0x0D0000, "PVF": 0x0E0000,
         "XI": 0x0F0000, "HTK": 0x100000, "SDS": 0x110000, "AVR": 0x120000, "WAVEX": 0x130000, "FLAC": 0x170000,
         "CAF": 0x180000, "WVE": 0x190000, "OGG": 0x200000, "MPC2K": 0x210000, "RF64": 0x220000, "MP3": 0x230000}  # MP3: SF_FORMAT_MPEG


def signal(rate, seconds, stereo):
    t = np.arange(int(rate * seconds)) / rate
    chirp = 0.5 * np.sin(2 * np.pi * (200 * t + 0.5 * (rate / 3 - 200) / seconds * t * t))
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    return np.stack([chirp, tone], 1) if stereo else chirp


# (file name, soundfile format, subtype, endian, rate, stereo, expected sniff verdict)
CASES = [
    ("au_pcm8.au", "AU", "PCM_S8", "FILE", 8000, False, "definite"),
    ("au_pcm16_stereo.snd", "AU", "PCM_16", "FILE", 22050, True, "definite"),
    ("au_pcm24.au", "AU", "PCM_24", "FILE", 16000, False, "definite"),
    ("au_pcm32.au", "AU", "PCM_32", "FILE", 11025, False, "definite"),
    ("au_float.au", "AU", "FLOAT", "FILE", 16000, False, "definite"),
    ("au_ulaw.au", "AU", "ULAW", "FILE", 8000, False, "definite"),
    ("au_alaw.snd", "AU", "ALAW", "FILE", 8000, True, "definite"),
    ("au_little_pcm16.au", "AU", "PCM_16", "LITTLE", 16000, False, "definite"),  # "dns." magic
    ("aifc_ulaw.aifc", "AIFF", "ULAW", "FILE", 8000, False, "definite"),
    ("aiff_pcm8.aif", "AIFF", "PCM_S8", "FILE", 11025, True, "definite"),
    ("rifx_pcm16.wav", "WAV", "PCM_16", "BIG", 16000, False, "definite"),
    ("wav_ulaw.wav", "WAV", "ULAW", "FILE", 8000, False, "definite"),
    ("wav_ima_adpcm.wav", "WAV", "IMA_ADPCM", "FILE", 16000, False, "definite"),
    ("caf_pcm16.caf", "CAF", "PCM_16", "FILE", 44100, True, "definite"),
    ("caf_alac16.caf", "CAF", "ALAC_16", "FILE", 16000, False, "definite"),
    ("w64_pcm16.w64", "W64", "PCM_16", "FILE", 16000, True, "definite"),
    ("rf64_float.rf64", "RF64", "FLOAT", "FILE", 16000, False, "definite"),
    ("voc_pcm16.voc", "VOC", "PCM_16", "FILE", 16000, False, "definite"),
    ("voc_u8.voc", "VOC", "PCM_U8", "FILE", 8000, False, "definite"),
    ("nist_pcm16.sph", "NIST", "PCM_16", "FILE", 16000, False, "definite"),
    ("ircam_float.sf", "IRCAM", "FLOAT", "FILE", 16000, False, "definite"),
    ("paf_pcm16.paf", "PAF", "PCM_16", "FILE", 16000, False, "definite"),
    ("svx_pcm8.iff", "SVX", "PCM_S8", "FILE", 8000, False, "definite"),
    ("wve_alaw.wve", "WVE", "ALAW", "FILE", 8000, False, "definite"),
    ("avr_pcm16.avr", "AVR", "PCM_16", "FILE", 16000, False, "definite"),
    ("xi_dpcm16.xi", "XI", "DPCM_16", "FILE", 16000, False, "definite"),
    ("pvf_pcm16.pvf", "PVF", "PCM_16", "FILE", 16000, False, "definite"),
    ("htk_pcm16.htk", "HTK", "PCM_16", "FILE", 16000, False, "extension"),
    ("sds_pcm16.sds", "SDS", "PCM_16", "FILE", 16000, False, "possible"),
    ("mpc2k_pcm16.mpc", "MPC2K", "PCM_16", "FILE", 44100, False, "possible"),
    ("mat4_double.mat", "MAT4", "DOUBLE", "FILE", 16000, False, "possible"),
    ("mat5_float.mat", "MAT5", "FLOAT", "FILE", 16000, True, "possible"),
    ("opus_48k.opus", "OGG", "OPUS", "FILE", 48000, False, "definite"),
    ("mp3_44k.mp3", "MP3", "MPEG_LAYER_III", "FILE", 44100, True, "possible"),
]

cases = []
for name, container, subtype, endian, rate, stereo, sniff in CASES:
    seconds = 0.1 if rate <= 16000 else 0.05
    path = os.path.join(ROOT, name)
    sf.write(path, signal(rate, seconds, stereo).astype(np.float32), rate, format=container, subtype=subtype,
             endian=endian)
    decoded, sr = sf.read(path, dtype="float32", always_2d=True)
    info = sf.info(path)
    mono = decoded.mean(axis=1, dtype=np.float32)
    np.ascontiguousarray(mono, dtype="<f4").tofile(os.path.join(ROOT, name + ".f32"))
    cases.append({"file": name, "container": container, "major": MAJOR[container], "subtype": subtype,
                  "rate": sr, "channels": decoded.shape[1], "frames": decoded.shape[0], "sniff": sniff,
                  "expected": name + ".f32", "first_bytes": open(path, "rb").read(16).hex()})
    print(f"{name:24} {info.format_info:34} {info.subtype_info:22} {decoded.shape}")


# Files written by sox: (name, sox type and encoding arguments, rate, container as soundfile names it).
SOX_CASES = [
    ("sox_au_ulaw.au", ["-t", "au", "-e", "u-law", "-b", "8"], 8000, "AU"),
    ("sox_au_alaw.au", ["-t", "au", "-e", "a-law", "-b", "8"], 8000, "AU"),
    ("sox_au_s8.snd", ["-t", "au", "-e", "signed", "-b", "8"], 11025, "AU"),
    ("sox_au_s16.au", ["-t", "au", "-e", "signed", "-b", "16"], 16000, "AU"),
    ("sox_au_s24.au", ["-t", "au", "-e", "signed", "-b", "24"], 16000, "AU"),
    ("sox_au_s32.au", ["-t", "au", "-e", "signed", "-b", "32"], 16000, "AU"),
    ("sox_au_float.au", ["-t", "au", "-e", "float", "-b", "32"], 16000, "AU"),
    ("sox_aifc_s16.aifc", ["-t", "aifc", "-e", "signed", "-b", "16"], 16000, "AIFF"),
    ("sox_voc_u8.voc", ["-t", "voc", "-e", "unsigned", "-b", "8"], 8000, "VOC"),
    ("sox_sph_s16.sph", ["-t", "sph", "-e", "signed", "-b", "16"], 16000, "NIST"),
    ("sox_svx_s8.8svx", ["-t", "8svx", "-e", "signed", "-b", "8"], 8000, "SVX"),
]
for name, args, rate, container in SOX_CASES:
    path = os.path.join(ROOT, name)
    subprocess.run(["sox", "-n", *args, "-r", str(rate), "-c", "1", path, "synth", "0.1", "sine", "440", "vol", "0.5"],
                   check=True)
    decoded, sr = sf.read(path, dtype="float32", always_2d=True)
    np.ascontiguousarray(decoded.mean(axis=1, dtype=np.float32), dtype="<f4").tofile(os.path.join(ROOT, name + ".f32"))
    cases.append({"file": name, "container": container, "major": MAJOR[container], "subtype": "sox " + " ".join(args),
                  "rate": sr, "channels": decoded.shape[1], "frames": decoded.shape[0], "sniff": "definite",
                  "expected": name + ".f32", "first_bytes": open(path, "rb").read(16).hex()})
    print(f"{name:24} sox {sf.info(path).format_info:30} {sf.info(path).subtype_info:22} {decoded.shape}")


def id3v2_tag(version):
    """A minimal ID3v2 tag (one TIT2 title frame), as tagging tools put in front of MP3 (and sometimes FLAC)."""
    frame = b"TIT2" + (6).to_bytes(4, "big") + b"\x00\x00" + b"\x00tone\x00"
    return b"ID3" + bytes([version, 0, 0]) + len(frame).to_bytes(4, "big") + frame  # size < 128: syncsafe as is


for name, source, version, container in [("mp3_id3v24.mp3", "mp3_44k.mp3", 4, "MP3"),
                                          ("flac_id3v23.flac", None, 3, "FLAC")]:
    path = os.path.join(ROOT, name)
    if source is None:
        sf.write(path, signal(16000, 0.1, False).astype(np.float32), 16000, format="FLAC", subtype="PCM_16")
        body = open(path, "rb").read()
    else:
        body = open(os.path.join(ROOT, source), "rb").read()
    open(path, "wb").write(id3v2_tag(version) + body)
    decoded, sr = sf.read(path, dtype="float32", always_2d=True)
    np.ascontiguousarray(decoded.mean(axis=1, dtype=np.float32), dtype="<f4").tofile(os.path.join(ROOT, name + ".f32"))
    cases.append({"file": name, "container": container, "major": MAJOR[container], "subtype": "ID3v2 tagged",
                  "rate": sr, "channels": decoded.shape[1], "frames": decoded.shape[0], "sniff": "definite",
                  "expected": name + ".f32", "first_bytes": open(path, "rb").read(16).hex()})
    print(f"{name:24} ID3v2.{version} + {container} {decoded.shape}")

json.dump({"libsndfile": sf.__libsndfile_version__, "cases": cases}, open(os.path.join(ROOT, "manifest.json"), "w"),
          indent=1)
total = sum(os.path.getsize(os.path.join(ROOT, f)) for f in os.listdir(ROOT))
print(f"container fixtures: {total / 1e3:.0f} kB")
