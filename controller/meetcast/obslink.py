"""The controller's one door to OBS: obsws-python's request client, made safe to use.

obsws-python logs the password at INFO and every request payload (stream keys included) at
DEBUG, logs tracebacks itself on connection errors, does not match replies to requests (not
thread-safe) and never reconnects. This wrapper silences its logger, serialises requests with
a lock, and turns every failure into :class:`ObsError` with a one-line message that says what
to do, with no secret in it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .connection import Connection

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


class ObsError(RuntimeError):
    """A one-line, secret-free explanation of what went wrong talking to OBS."""


class NotConnected(ObsError):
    """OBS cannot be reached (or went away); reconnecting may help."""


class AuthFailed(ObsError):
    """The password was refused; retrying will not help."""


class NotReady(ObsError):
    """OBS is connected but not ready for requests (starting up, switching scene collection
    or shutting down) for longer than the link waits; asking again later may help."""


def _connect_error(conn: Connection, exc: BaseException) -> ObsError:
    name = type(exc).__name__
    if isinstance(exc, ConnectionRefusedError):
        return NotConnected(
            f"nothing is listening on {conn}: start OBS and enable Tools → WebSocket Server "
            f"Settings, or check --host/--port ({TUNNEL_HINT})")
    if isinstance(exc, (TimeoutError, socket.timeout)) or "Timeout" in name:
        return NotConnected(f"OBS at {conn} did not answer within {conn.timeout:g} s: "
                            f"check the host, firewall or SSH tunnel")
    if isinstance(exc, socket.gaierror):
        return NotConnected(f"cannot resolve host {conn.host!r}: check --host or MEETCAST_HOST")
    text = str(exc)
    if "no password provided" in text:
        return AuthFailed(f"OBS at {conn} requires a password: set MEETCAST_PASSWORD or "
                          f"password in the config file (never on the command line)")
    if "identify" in text or "Connection to remote host was lost" in text or "closed" in text:
        return AuthFailed(f"OBS at {conn} refused the password: check MEETCAST_PASSWORD "
                          f"against Tools → WebSocket Server Settings → Show Connect Info")
    if isinstance(exc, OSError):
        return NotConnected(f"cannot reach OBS at {conn}: {exc.strerror or name}")
    return ObsError(f"cannot talk to OBS at {conn}: {name}")


class ObsLink:
    """A connected request client; use as a context manager or call :meth:`close`."""

    def __init__(self, conn: Connection, not_ready_wait: float = NOT_READY_WAIT) -> None:
        import obsws_python as obsws

        self.conn = conn
        self.not_ready_wait = not_ready_wait
        self._lock = threading.Lock()
        try:
            self._client = obsws.ReqClient(host=conn.host, port=conn.port,
                                           password=conn.password, timeout=conn.timeout)
        except Exception as exc:  # obsws-python raises many types; all mean "not connected"
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
        from obsws_python.error import OBSSDKRequestError

        with self._lock:
            try:
                return self._client.base_client.req(request, data)
            except OBSSDKRequestError as exc:
                raise ObsError(f"OBS refused {request}: {exc}") from None
            except Exception as exc:
                # A reply may still be in flight; obsws-python does not match replies to
                # requests, so this socket can no longer be trusted.
                self.close()
                raise NotConnected(f"lost the connection to OBS at {self.conn} "
                                   f"({type(exc).__name__})") from None

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
