"""The web server: one port for the page (plain HTTP) and its state (a WebSocket), both
answered by the ``websockets`` asyncio server, whose ``process_request`` hook serves the
static files before any WebSocket handshake.

One :class:`~meetcast.session.Session` runs in its own threads (the poller and the ticker,
as under ``watch``); its views and events are handed to the event loop with
``call_soon_threadsafe`` and broadcast to every page, so a thousand phones still make one
connection to OBS and one poll every quarter second. Pages get a view at once when there is
news (health, scene, connection), else once a second: a phone's screen and radio do not need
four a second, and the laptop's CPU stays low. Requests from pages run on one worker thread,
in order, so the loop never waits for OBS.

No permessage-deflate: the messages are a few hundred bytes of JSON on the phone's LAN, and
each compressed connection holds zlib's buffers (over 100 KB), whose coming and going left the
process's RSS 10 MB higher after 1000 connections (bench/web_heap.py: 32.5 → 42.4 MB with it,
32.0 → 33.3 MB without, the Python heap flat in both).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from importlib.resources import files
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from meetcast_core.stream.engine import Event, View

from ..session import Session
from . import actions, messages
from .access import split_path

# The library logs failed handshakes with the request line, which carries the token.
for _name in ("websockets", "websockets.server", "websockets.asyncio.server"):
    _log = logging.getLogger(_name)
    _log.addHandler(logging.NullHandler())
    _log.propagate = False
    _log.setLevel(logging.CRITICAL + 1)

STATIC = {"": ("index.html", "text/html; charset=utf-8"),
          "app.js": ("app.js", "text/javascript; charset=utf-8"),
          "style.css": ("style.css", "text/css; charset=utf-8")}
SOCKET = "ws"  # /<token>/ws
MAX_MESSAGE = 16 * 1024  # a page's request is a few hundred bytes
# Only this page's own files and socket, nothing inline: a name from OBS that looks like
# markup could never run even if it reached the page as HTML (it does not: textContent).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
LEVELS_EVERY = 0.25  # s between level messages to the pages that show them
HEADERS = [("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
           ("X-Content-Type-Options", "nosniff"), ("Content-Security-Policy", CSP)]


def _static() -> dict[str, tuple[bytes, str]]:
    root = files(__package__) / "static"
    return {name: (root.joinpath(file).read_bytes(), ctype)
            for name, (file, ctype) in STATIC.items()}


def _response(status: HTTPStatus, body: bytes, ctype: str) -> Response:
    headers = Headers([("Content-Type", ctype), ("Content-Length", str(len(body))),
                       ("Connection", "close"), *HEADERS])
    return Response(status.value, status.phrase, headers, body)


class WebServer:
    """Serve ``session`` to pages at ``http://host:port/<token>/`` until :meth:`stop`."""

    def __init__(self, session: Session, token: str, congestion_warn: float,
                 others: list[Session] | None = None) -> None:
        self.session = session  # the OBS whose view fills the page
        # Several OBS (web --obs all): a strip with each one's health, and the page's
        # requests go to every one of them.
        self.sessions: list[Session] = [session, *(others or [])]
        self._fleet_sent: tuple[float, list[tuple[str, str, bool, bool]]] = (
            float("-inf"), [])
        self.token = token
        self.congestion_warn = congestion_warn
        self.clients: set[ServerConnection] = set()
        self.levels_pages: set[ServerConnection] = set()  # pages showing the levels now
        self.chart = messages.Chart()
        self.events = messages.recent()
        self.port = 0
        self._files = _static()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state: str | None = None  # the newest state message, for a page that connects
        self._sent: View | None = None
        self._sent_lock = threading.Lock()
        self._done = asyncio.Event()
        self._fleet: str | None = None  # the newest strip, for a page that connects
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="meetcast-web-actions")

    # -- from the session's threads -----------------------------------------------------
    def _on_view(self, view: View) -> None:
        with self._sent_lock:
            if not view.due_after(self._sent):
                return
            self._sent = view
        self._call(self._push_view, view)

    def _on_fleet_view(self, _view: View) -> None:
        """Any OBS's new view: the strip at once when a health or on-air changed, else at
        most once a second."""
        rows = [messages.fleet_row(s.conn.name or str(s.conn), s.last) for s in self.sessions]
        key = [(r["name"], r["health"], r["on_air"], r["connected"]) for r in rows]
        now = self.session.elapsed()
        with self._sent_lock:
            at, seen = self._fleet_sent
            if key == seen and now - at < 1.0:
                return
            self._fleet_sent = (now, key)
        self._call(self._push_fleet, messages.fleet(rows))

    def _push_fleet(self, msg: str) -> None:
        self._fleet = msg
        broadcast(self.clients, msg)

    def _on_event(self, ev: Event) -> None:
        self._call(self._push_event, ev)
        if ev.kind == "fatal":
            self._call(self._done.set)

    def _call(self, fn: Any, *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(fn, *args)

    # -- on the loop --------------------------------------------------------------------
    def _push_view(self, view: View) -> None:
        self.chart.add(view)
        self._state = messages.state(view, self.chart, self.congestion_warn)
        broadcast(self.clients, self._state)

    def _push_event(self, ev: Event) -> None:
        msg = messages.event(ev)
        self.events.append(msg)
        broadcast(self.clients, json.dumps(msg, ensure_ascii=False))

    def _process_request(self, connection: ServerConnection, request: Request
                         ) -> Response | None:
        """Every request: 403 without the token; the page's files; None lets the socket's
        handshake go on."""
        name = split_path(request.path, self.token)
        if name is None:
            return _response(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
        if name == SOCKET:
            return None
        if name in self._files:
            body, ctype = self._files[name]
            return _response(HTTPStatus.OK, body, ctype)
        return _response(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    async def _handler(self, ws: ServerConnection) -> None:
        self.clients.add(ws)
        try:
            await ws.send(messages.hello(str(self.session.conn), list(self.events)))
            if self._state is not None:
                await ws.send(self._state)
            if self._fleet is not None:
                await ws.send(self._fleet)
            async for raw in ws:
                await self._request(ws, raw)
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)
            await self._levels(ws, False)

    async def _request(self, ws: ServerConnection, raw: str | bytes) -> None:
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        if not isinstance(req, dict):
            await ws.send(messages.done(None, False, "not a request"))
            return
        if req.get("do") == "levels":  # not an action on OBS: which screens show levels
            await self._levels(ws, req.get("on") is True)
            return
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._worker, actions.perform_all, self.sessions,
                                            req)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(messages.done(req.get("id"), result.ok, result.text,
                                        result.warnings))

    async def _levels(self, ws: ServerConnection, on: bool) -> None:
        """Count ``ws`` in or out of the pages showing levels; the session subscribes to
        OBS's meters while there is one (off the loop: the link may be busy with a poll)."""
        if on == (ws in self.levels_pages):
            return
        (self.levels_pages.add if on else self.levels_pages.discard)(ws)
        await asyncio.get_running_loop().run_in_executor(None, self.session.want_levels, on)

    async def _push_levels(self) -> None:
        while True:
            await asyncio.sleep(LEVELS_EVERY)
            if self.levels_pages and self.session.levels:
                broadcast(self.levels_pages, messages.levels(self.session.levels))

    # -- running ------------------------------------------------------------------------
    async def run(self, host: str, port: int, ready: Any = None, seconds: float = 0.0) -> None:
        """Listen, call ``ready(port)`` once listening, serve until :meth:`stop`, the
        session's fatal end or ``seconds``."""
        self._loop = asyncio.get_running_loop()
        self.session.on_view.append(self._on_view)
        if len(self.sessions) == 1:
            self.session.on_event.append(self._on_event)
        else:  # every OBS's events in the log by name; one OBS's fatal end ends only it
            for s in self.sessions:
                s.on_view.append(self._on_fleet_view)
                s.on_event.append(self._on_named_event(s))
        async with serve(self._handler, host, port, process_request=self._process_request,
                         max_size=MAX_MESSAGE, server_header=None, compression=None,
                         ping_interval=20, ping_timeout=20) as server:
            self.port = server.sockets[0].getsockname()[1]
            if ready is not None:
                ready(self.port)
            for s in self.sessions:
                s.start()
            levels = asyncio.create_task(self._push_levels())
            if seconds:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._done.wait(), seconds)
            else:
                await self._done.wait()
            levels.cancel()
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _on_named_event(self, session: Session) -> Any:
        from meetcast_core.printable import shown

        name = shown(session.conn.name or str(session.conn))

        def on_event(ev: Event) -> None:
            self._call(self._push_event, Event(ev.t, ev.kind, f"{name}: {ev.text}", ev.data))

        return on_event

    def stop(self) -> None:
        """From any thread."""
        self._call(self._done.set)
