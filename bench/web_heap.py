"""(e') Does ``meetcast web`` keep anything per connection? 10 WebSocket clients connect,
wait for their first state and disconnect, round after round, against a WebServer in this
process, with Python's own heap traced (tracemalloc) beside the process's RSS: RSS also
moves with the C allocator's arenas, the heap only with what Python keeps.

The Session behind it points at a port where nothing listens (no OBS needed: its views say
"not connected", and the server sends them all the same), so this runs without the lab.

    python bench/web_heap.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import threading
import time
import tracemalloc

from _common import table

from meetcast.connection import Connection
from meetcast.lab.browser import open_fds
from meetcast.lab.procs import free_port, rss_mb
from meetcast.session import Session
from meetcast.web.server import WebServer


async def rounds(url: str, n: int, clients: int = 10) -> None:
    from websockets.asyncio.client import connect

    async def one() -> None:
        async with connect(url) as ws:
            while '"type":"state"' not in await asyncio.wait_for(ws.recv(), 10):
                pass

    for _ in range(n):
        await asyncio.gather(*(one() for _ in range(clients)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=300)
    args = ap.parse_args()
    session = Session(Connection("127.0.0.1", free_port(), "unused", 1.0, "bench"), {})
    server = WebServer(session, "token", 0.34)
    ports: list[int] = []
    threading.Thread(target=lambda: asyncio.run(server.run("127.0.0.1", 0, ports.append)),
                     daemon=True).start()
    while not ports:
        time.sleep(0.05)
    url = f"ws://127.0.0.1:{ports[0]}/token/ws"
    time.sleep(1.5)  # a first view
    tracemalloc.start()
    rows = []
    done = 0
    for upto in (1, 10, 50, 100, 200, args.rounds):
        if upto <= done:
            continue
        asyncio.run(rounds(url, upto - done))
        done = upto
        gc.collect()
        rows.append([done, done * 10, f"{tracemalloc.get_traced_memory()[0] / 1e6:.3f}",
                     f"{rss_mb(os.getpid()):.1f}", open_fds(os.getpid()), len(server.clients)])
    server.stop()
    session.stop()
    print("(e') meetcast web: 10 clients per round connect, get their first state, disconnect")
    print(table(["rounds", "connections", "Python heap MB (tracemalloc)", "RSS MB",
                 "open fds", "clients held"], rows))


if __name__ == "__main__":
    main()
