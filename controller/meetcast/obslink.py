"""The controller's one door to OBS: obs-websocket v5 requests, made safe to use.

obsws-python (which the benchmarks still use bare) logs the password at INFO and every
request payload (stream keys included) at DEBUG, logs tracebacks itself on connection errors,
does not match replies to requests (not thread-safe), never reconnects, and reports every
close during the handshake as the same error, so a refused password and a tunnel with
nothing behind it looked alike. This link speaks the protocol over websocket-client itself
(hello, identify, request: :class:`_Transport`), logs nothing, serialises requests with a
lock, and turns every failure into :class:`ObsError` with a one-line message that says what
to do, with no secret in it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from meetcast_core.printable import shown

from .connection import Connection
from .errors import Failed

_quiet = logging.getLogger("obsws_python")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False
_quiet.setLevel(logging.CRITICAL + 1)
logging.getLogger("websocket").setLevel(logging.CRITICAL + 1)

TUNNEL_HINT = "on a cloud desktop, tunnel it: ssh -N -L 4455:127.0.0.1:4455 user@host"
# obs-websocket's RequestStatus::NotReady. From obs-websocket 5.5 (OBS 30.2) the server
# accepts clients before OBS has finished loading, and while a scene collection changes or
# OBS shuts down, and answers every request with this code meanwhile (fact
# "websocket_not_ready_at_start" in meetcast_core.obs_versions). Measured here: about 100 ms
# after start on 30.2 and 32.2. Such a request is asked again, not reported as a failure.
NOT_READY = 207
NOT_READY_WAIT = 3.0  # seconds a request keeps being asked again while OBS is not ready
NOT_READY_RETRY = 0.05  # seconds between those attempts


class ObsError(Failed, RuntimeError):
    """A one-line, secret-free explanation of what went wrong talking to OBS (exit 1)."""


class NotConnected(ObsError):
    """OBS cannot be reached (or went away); reconnecting may help."""


class AuthFailed(ObsError):
    """The password was refused; retrying will not help."""


class Slow(ObsError):
    """No answer within the time asked for; the link is still up (a late answer to this
    request will be discarded), so the caller may simply try again."""


class NotReady(ObsError):
    """OBS is connected but not ready for requests (starting up, switching scene collection
    or shutting down) for longer than the link waits; asking again later may help."""


# obs-websocket's WebSocketCloseCode values that mean the password (not the network) is wrong
# (obs-websocket src/WebSocketServer.h: 4009 AuthenticationFailed). Only a close frame with
# one of these is "refused the password": a tunnel whose far end is not listening accepts
# the connection and closes it without a word, and an OBS shutting down closes with 1001.
AUTH_FAILED_CODE = 4009


class _Closed(Exception):
    """OBS (or a tunnel) closed the connection; ``code`` from the close frame, None if none."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code, self.reason = code, reason


class _Transport:
    """obs-websocket v5 over websocket-client: hello, identify, one request at a time.

    obsws-python's own ``ReqClient`` reads the server's close frame as an empty message and
    reports every close during identify as one "failed to identify" error; the close code
    is what tells a refused password (4009) from a tunnel with nothing behind it, so the
    handshake is done here. Requests keep obsws-python's request shape (``req``)."""

    def __init__(self, conn: Connection) -> None:
        import websocket

        self.ws = websocket.WebSocket()
        url = f"ws://{conn.url_host}:{conn.port}"
        try:
            self.ws.connect(url, timeout=conn.timeout)
        except websocket.WebSocketBadStatusException as exc:
            if ":" not in conn.host or getattr(exc, "status_code", None) != 400:
                raise
            # websocketpp 0.8.3-dev (Debian sid's OBS 32.2 is built on its 2025-09-09
            # snapshot) tests the Host header's "[::1]" brackets and all as an IPv6 literal
            # (websocketpp/uri.hpp, the uri(secure, host, port, resource) constructor) and
            # answers 400 to every IPv6 address. The unbracketed form is what websocketpp
            # splits at its last colon (processors/processor.hpp, get_uri_from_host), so it
            # is sent once more that way, to this server only.
            self.ws = websocket.WebSocket()
            self.ws.connect(url, timeout=conn.timeout, host=f"{conn.host}:{conn.port}")
        hello = self._message()
        if hello.get("op") != 0:
            raise _Closed(None, "no obs-websocket hello")
        identify: dict[str, Any] = {"rpcVersion": 1, "eventSubscriptions": 0}
        auth = (hello.get("d") or {}).get("authentication")
        if auth:
            if not conn.password:
                raise AuthFailed(f"OBS at {conn} requires a password: set MEETCAST_PASSWORD "
                                 f"or password in the config file (never on the command line)")
            identify["authentication"] = _auth_string(conn.password, auth["salt"],
                                                      auth["challenge"])
        self.ws.send(json.dumps({"op": 1, "d": identify}))
        if self._message().get("op") != 2:
            raise _Closed(None, "no Identified reply")
        self.base_client = self  # the shape ObsLink._send uses (obsws-python's)
        self.on_event: Callable[[dict[str, Any]], None] | None = None

    def _message(self) -> dict[str, Any]:
        """The next message that is not an event, as JSON; a close frame raises _Closed with
        its code. Events (op 5: only those subscribed to with :meth:`ObsLink.subscribe`) go to
        ``on_event`` as they are read, which is while a request waits for its reply."""
        while True:
            msg = self._frame()
            if msg.get("op") != 5:
                return msg
            if self.on_event is not None:
                with contextlib.suppress(Exception):  # a listener's fault is not the link's
                    self.on_event(msg.get("d") or {})

    def _frame(self) -> dict[str, Any]:
        from websocket import ABNF

        while True:
            opcode, frame = self.ws.recv_data_frame(control_frame=True)
            if opcode == ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                raise _Closed(code, data[2:].decode("utf-8", "replace"))
            if opcode in (ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY):
                try:
                    msg = json.loads(frame.data)
                except ValueError:
                    raise _Closed(None, "not obs-websocket") from None
                return msg if isinstance(msg, dict) else {}

    def req(self, request: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request and its reply (``d`` of the RequestResponse, op 7)."""
        rid = secrets.token_hex(4)
        payload: dict[str, Any] = {"requestType": request, "requestId": rid}
        if data:
            payload["requestData"] = data
        self.ws.send(json.dumps({"op": 6, "d": payload}))
        while True:  # a late reply to an abandoned request is not this one's
            msg = self._message()
            reply = msg.get("d") or {}
            if msg.get("op") == 7 and reply.get("requestId") == rid:
                return reply

    def batch(self, requests: list[tuple[str, dict[str, Any] | None]],
              timeout: float) -> list[dict[str, Any]]:
        """One RequestBatch (op 8) and its results (op 9), in order, waiting at most
        ``timeout`` seconds; the socket's own timeout is restored afterwards. A reply that
        comes later is discarded by its id, so a timeout leaves the link usable."""
        rid = secrets.token_hex(4)
        items = [{"requestType": r, **({"requestData": d} if d else {})} for r, d in requests]
        self.ws.send(json.dumps({"op": 8, "d": {"requestId": rid, "haltOnFailure": False,
                                                "executionType": 0, "requests": items}}))
        old = self.ws.gettimeout()
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.ws.settimeout(max(0.01, deadline - time.monotonic()))
                msg = self._message()
                reply = msg.get("d") or {}
                if msg.get("op") == 9 and reply.get("requestId") == rid:
                    return list(reply.get("results") or [])
                if time.monotonic() >= deadline:
                    raise TimeoutError
        finally:
            self.ws.settimeout(old)

    def disconnect(self) -> None:
        self.ws.close(timeout=0.5)


def _auth_string(password: str, salt: str, challenge: str) -> str:
    """obs-websocket v5: b64(sha256(b64(sha256(password + salt)) + challenge))."""
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()


def _connect_error(conn: Connection, exc: BaseException) -> ObsError:
    """One line for why connecting failed, with what to do; never the exception's name alone,
    never the password. The websocket library's exceptions are matched by name so that this
    module loads without it."""
    name = type(exc).__name__
    if isinstance(exc, ObsError):
        return exc
    if isinstance(exc, _Closed):
        if exc.code == AUTH_FAILED_CODE:
            return AuthFailed(f"OBS at {conn} refused the password: check MEETCAST_PASSWORD "
                              f"against Tools → WebSocket Server Settings → Show Connect Info")
        how = f" (close code {exc.code})" if exc.code else ""
        return NotConnected(f"OBS at {conn} closed the connection{how} before it was ready: "
                            f"OBS may be starting or stopping, or an SSH tunnel has nothing "
                            f"behind it (is OBS running with its WebSocket server on?)")
    if name == "WebSocketConnectionClosedException" or isinstance(exc, ConnectionResetError):
        return NotConnected(f"{conn} closed the connection without answering: an SSH tunnel "
                            f"whose far end has nothing listening does this (is OBS running "
                            f"there, with Tools → WebSocket Server Settings enabled?)")
    if isinstance(exc, ConnectionRefusedError):
        return NotConnected(
            f"nothing is listening on {conn}: start OBS and enable Tools → WebSocket Server "
            f"Settings, or check --host/--port ({TUNNEL_HINT})")
    if isinstance(exc, (TimeoutError, socket.timeout)) or "Timeout" in name:
        return NotConnected(f"OBS at {conn} did not answer within {conn.timeout:g} s: "
                            f"check the host, firewall or SSH tunnel")
    if isinstance(exc, socket.gaierror) or name == "WebSocketAddressException":
        return NotConnected(f"cannot find host “{shown(conn.host)}”: check --host, "
                            f"MEETCAST_HOST or the URL")
    if name == "WebSocketBadStatusException":
        status = getattr(exc, "status_code", None)
        return NotConnected(f"{conn} answered, but not as obs-websocket (HTTP {status}): "
                            f"is this OBS's WebSocket port (Tools → WebSocket Server "
                            f"Settings, default 4455)?")
    if "WebSocket" in name and "Exception" in name:  # handshake or protocol garbage
        return NotConnected(f"{conn} does not speak obs-websocket: check --port")
    if isinstance(exc, OSError):
        why = exc.strerror or "connection failed"
        return NotConnected(f"cannot reach OBS at {conn}: {why}")
    return ObsError(f"cannot talk to OBS at {conn}: {shown(str(exc)) or name}")


def _lost_why(exc: BaseException, conn: Connection) -> str:
    """Why an open connection failed a request, in words, for "lost the connection (…)"."""
    name = type(exc).__name__
    if isinstance(exc, _Closed):
        return f"OBS closed it, code {exc.code}" if exc.code else "OBS closed it"
    if name == "WebSocketConnectionClosedException" or isinstance(exc, ConnectionResetError):
        return "the connection was closed"
    if isinstance(exc, (TimeoutError, socket.timeout)) or "Timeout" in name:
        return f"no answer within {conn.timeout:g} s"
    if isinstance(exc, OSError):
        return exc.strerror or "network error"
    return "the connection broke"


class ObsLink:
    """A connected request client; use as a context manager or call :meth:`close`."""

    def __init__(self, conn: Connection, not_ready_wait: float = NOT_READY_WAIT) -> None:
        self.conn = conn
        self.not_ready_wait = not_ready_wait
        self._lock = threading.Lock()
        try:
            self._client = _Transport(conn)
        except Exception as exc:  # the socket and websocket layers raise many types
            raise _connect_error(conn, exc) from None

    def call(self, request: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one obs-websocket request; returns the raw ``responseData`` dict.

        A "not ready" answer (code 207: OBS is starting, switching collection or shutting
        down) is asked again for up to ``not_ready_wait`` seconds, then raises NotReady."""
        deadline = time.monotonic() + self.not_ready_wait
        while True:
            resp = self._send(request, data)
            status = resp.get("requestStatus", {})
            if status.get("result", False):
                return resp.get("responseData", {}) or {}
            comment = status.get("comment") or f"code {status.get('code')}"
            if status.get("code") != NOT_READY:
                raise ObsError(f"OBS refused {request}: {comment}")
            if time.monotonic() >= deadline:
                raise NotReady(f"OBS at {self.conn} is not ready for {request} "
                               f"(starting, switching collection or shutting down)")
            time.sleep(NOT_READY_RETRY)

    def _send(self, request: str, data: dict[str, Any] | None) -> dict[str, Any]:
        """One round trip, under the lock: obsws-python does not match replies to requests."""
        with self._lock:
            try:
                return self._client.base_client.req(request, data)
            except Exception as exc:
                # A reply may still be in flight and replies are not matched to requests,
                # so this socket can no longer be trusted.
                self.close()
                raise NotConnected(f"lost the connection to OBS at {self.conn} "
                                   f"({_lost_why(exc, self.conn)})") from None

    def batch(self, requests: list[tuple[str, dict[str, Any] | None]],
              timeout: float) -> list[dict[str, Any]]:
        """Several requests in one round trip (obs-websocket's RequestBatch, run in order,
        not halted by a failure); each result has ``requestStatus`` and ``responseData``.

        Slow when no answer came within ``timeout`` (the link stays up: a late answer is
        discarded by its id); NotReady when OBS is not ready for the first request;
        NotConnected when the link is gone."""
        with self._lock:
            try:
                results = self._client.batch(requests, timeout)
            except Exception as exc:
                if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__:
                    raise Slow(f"OBS at {self.conn} did not answer within {timeout:g} s"
                               ) from None
                self.close()
                raise NotConnected(f"lost the connection to OBS at {self.conn} "
                                   f"({_lost_why(exc, self.conn)})") from None
        first = (results[0].get("requestStatus") or {}) if results else {}
        if first.get("code") == NOT_READY:
            raise NotReady(f"OBS at {self.conn} is not ready (starting, switching collection "
                           f"or shutting down)")
        return results

    def subscribe(self, events: int,
                  on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Receive the events in the bitmask ``events`` (obs-websocket's EventSubscription;
        0: none, as at connect) from now on, handed to ``on_event`` while requests are read
        (obs-websocket's Reidentify, op 3). High-volume ones such as InputVolumeMeters
        (1 << 16, every 50 ms) cost the link: subscribe only while something shows them."""
        with self._lock:
            self._client.on_event = on_event
            try:
                self._client.ws.send(json.dumps({"op": 3,
                                                 "d": {"eventSubscriptions": events}}))
            except Exception as exc:
                self.close()
                raise NotConnected(f"lost the connection to OBS at {self.conn} "
                                   f"({_lost_why(exc, self.conn)})") from None

    def close(self) -> None:
        # Closing a dead socket is not an error worth reporting.
        with contextlib.suppress(Exception):
            self._client.disconnect()

    def __enter__(self) -> ObsLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def connect(conn: Connection) -> Iterator[ObsLink]:
    link = ObsLink(conn)
    try:
        yield link
    finally:
        link.close()
