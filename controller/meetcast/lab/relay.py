"""A small delaying TCP relay: the lab's stand-in for a long home link's round trip.

This kernel has no netem (shared/obs-facts.md), so delay is added in user space: every chunk
read from one side is written to the other ``delay_s`` later, in order, each direction on its
own. Rate and loss come from the network namespace in front of it (:mod:`.netns`), so TCP's
retransmissions and the queue in front of a slow link are the kernel's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time


class DelayRelay:
    """Listen on ``listen`` (host, port 0 = any free), forward to ``target`` with ``delay_s``
    each way. Runs its own event loop in a thread; :meth:`stop` closes every connection."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int],
                 delay_s: float) -> None:
        self.listen, self.target, self.delay_s = listen, target, delay_s
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lab-relay",
                                        daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> DelayRelay:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        self.port = fut.result(10)
        return self

    async def _serve(self) -> int:
        self._server = await asyncio.start_server(self._client, *self.listen)
        return self._server.sockets[0].getsockname()[1]

    async def _client(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        try:
            sr, sw = await asyncio.open_connection(*self.target)
        except OSError:
            cw.close()
            return
        self._writers |= {cw, sw}
        await asyncio.gather(self._pipe(cr, sw), self._pipe(sr, cw), return_exceptions=True)
        for w in (cw, sw):
            self._writers.discard(w)
            w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    writer.close()
                    return
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.ensure_future(send())
        try:
            while chunk := await reader.read(65536):
                queue.put_nowait((time.monotonic() + self.delay_s, chunk))
        finally:
            queue.put_nowait((time.monotonic() + self.delay_s, b""))
            with contextlib.suppress(Exception):
                await sender

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for w in list(self._writers):
                w.close()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
