"""``python -m bench.peer --port PORT``: the peer under uvicorn with its defaults (one process)."""

from __future__ import annotations

import argparse

import uvicorn

from bench.peer.app import create_app

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    if options.workers == 1:
        uvicorn.run(create_app(), host="127.0.0.1", port=options.port)
    else:
        uvicorn.run(
            "bench.peer.app:create_app",
            factory=True,
            host="127.0.0.1",
            port=options.port,
            workers=options.workers,
        )
