"""The peer of `fuse-bench serve`: an embedding server on the same model, on loopback.

    python serve_peer.py --model models/all-MiniLM-L6-v2 --port 18081 [--backend auto|infinity|st]

`infinity` runs infinity-emb (torch engine, its own dynamic batching) when it is installed; `st` (the fallback) is a
minimal FastAPI + uvicorn server over sentence-transformers: `POST /v1/embeddings` (and `/embeddings`) with OpenAI's
request and response shapes, one `model.encode(inputs, batch_size=32)` per request in uvicorn's thread pool. It
prints one JSON line `{"peer": …}` on stdout once it is about to listen, then serves until SIGTERM. Torch uses
2 threads (the machine's cores), like Fuse.
"""
import argparse
import json
import os
import subprocess
import sys


def have_infinity():
    try:
        import infinity_emb  # noqa: F401
        return True
    except Exception:
        return False


def run_infinity(args):
    import infinity_emb
    print(json.dumps({"peer": f"infinity-emb {infinity_emb.__version__} (torch engine)"}), flush=True)
    command = [sys.executable, "-m", "infinity_emb.cli", "v2", "--model-id", args.model, "--engine", "torch",
               "--device", "cpu", "--port", str(args.port), "--host", "127.0.0.1", "--batch-size", "32",
               "--no-bettertransformer", "--url-prefix", "/v1"]
    os.execvp(command[0], command)


def run_sentence_transformers(args):
    import base64
    import numpy as np
    import torch
    import uvicorn
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import Response
    from pydantic import BaseModel
    from sentence_transformers import SentenceTransformer, __version__ as st_version

    torch.set_num_threads(2)
    model = SentenceTransformer(args.model, device="cpu")
    app = FastAPI()

    class EmbeddingsRequest(BaseModel):
        input: str | list[str]
        model: str | None = None
        encoding_format: str | None = None

    def embed(request: EmbeddingsRequest):
        texts = [request.input] if isinstance(request.input, str) else request.input
        if not texts:
            raise HTTPException(status_code=422, detail="input is empty")
        vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        data = []
        for index, vector in enumerate(vectors):
            if request.encoding_format == "base64":
                value = base64.b64encode(vector.astype("<f4").tobytes()).decode()
            else:
                value = vector.tolist()
            data.append({"object": "embedding", "embedding": value, "index": index})
        tokens = sum(len(model.tokenizer(t)["input_ids"]) for t in texts)
        body = {"object": "list", "data": data, "model": request.model or "peer",
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
        return Response(content=json.dumps(body), media_type="application/json")

    app.post("/v1/embeddings")(embed)
    app.post("/embeddings")(embed)
    app.get("/health")(lambda: {"status": "ok"})
    print(json.dumps({"peer": f"sentence-transformers {st_version} + FastAPI/uvicorn (torch {torch.__version__})"}),
          flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", choices=["auto", "infinity", "st"], default="auto")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    if args.backend == "infinity" or (args.backend == "auto" and have_infinity()):
        run_infinity(args)
    else:
        run_sentence_transformers(args)


if __name__ == "__main__":
    main()
