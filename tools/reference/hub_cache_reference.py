"""What the real huggingface_hub reads from a Hugging Face cache that Fuse wrote.

Runs the Swift suite `HubInteropTests/loadsByNameOffline` with FUSE_HUB_WRITE_CACHE_TO set, so FuseHub pulls
`fuse-test/tiny-bert` (at main and at the tag v1) from the loopback Hub into a fresh folder; then reads that folder
with huggingface_hub's own `scan_cache_dir` and `try_to_load_from_cache` and records what they saw in
Tests/Fixtures/hub/huggingface_hub_read.json. `HubInteropTests/huggingfaceHubReadsTheLayout` compares Fuse's
cache with it: same repos, refs, snapshot files, blob paths and sizes, no scan warnings, and every lookup answered.

Usage (from the repository root, after `swift build --build-tests`):
    /work/venv-llm/bin/python tools/reference/hub_cache_reference.py
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import huggingface_hub
from huggingface_hub import scan_cache_dir, try_to_load_from_cache

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/Fixtures/hub/huggingface_hub_read.json"
REPO = "fuse-test/tiny-bert"
COMMIT = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c"
# Files of the loopback repository: the ones Fuse selects by default, and ones it must leave on the Hub.
FILES = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "modules.json",
         "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json",
         "2_Normalize/config.json", "pytorch_model.bin", "README.md", "onnx/model.onnx", ".gitattributes"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "hub"
        env = dict(os.environ, FUSE_HUB_WRITE_CACHE_TO=str(cache))
        run = subprocess.run(["swift", "test", "--skip-build", "--filter", "HubInteropTests/loadsByNameOffline"],
                             cwd=ROOT, env=env, capture_output=True, text=True)
        if run.returncode != 0 or not cache.exists():
            sys.exit(f"the Swift pull failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
        info = scan_cache_dir(cache)

        def rel(path: Path) -> str:
            return str(Path(path).relative_to(cache))

        repos = []
        for repo in sorted(info.repos, key=lambda r: r.repo_id):
            repos.append({
                "repo_id": repo.repo_id,
                "repo_type": repo.repo_type,
                "size_on_disk": repo.size_on_disk,
                "nb_files": repo.nb_files,
                "refs": {ref: revision.commit_hash for ref, revision in sorted(repo.refs.items())},
                "revisions": [{
                    "commit_hash": revision.commit_hash,
                    "refs": sorted(revision.refs),
                    "files": [{"file_path": rel(f.file_path), "blob_path": rel(f.blob_path),
                               "size_on_disk": f.size_on_disk}
                              for f in sorted(revision.files, key=lambda f: str(f.file_path))],
                } for revision in sorted(repo.revisions, key=lambda r: r.commit_hash)],
            })
        lookups = []
        for revision in ["main", "v1", COMMIT]:
            for filename in FILES:
                found = try_to_load_from_cache(REPO, filename, cache_dir=cache, revision=revision)
                lookups.append({"repo_id": REPO, "filename": filename, "revision": revision,
                                "result": rel(Path(found)) if isinstance(found, str) else None})
        record = {
            "huggingface_hub_version": huggingface_hub.__version__,
            "repos": repos,
            "warnings": [str(w) for w in info.warnings],
            "try_to_load_from_cache": lookups,
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(repos)} repo(s), {len(lookups)} lookups, "
          f"{len(info.warnings)} warning(s)")


if __name__ == "__main__":
    main()
