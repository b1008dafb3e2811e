"""The controller's link to OBS, without OBS: a "not ready" answer (207, obs-websocket 5.5+
right after OBS starts, while a collection changes, at shutdown) is asked again, not failed;
any other refusal still fails at once; a long "not ready" becomes NotReady, not a crash."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from meetcast import obslink
from meetcast.connection import Connection
from meetcast.obslink import NOT_READY, NotReady, ObsError, ObsLink

CONN = Connection("127.0.0.1", 1, "pw")


class FakeBase:
    """obsws-python's base client: answers from a script of request statuses."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = codes
        self.sent: list[str] = []

    def req(self, request: str, data: dict | None = None) -> dict[str, Any]:
        self.sent.append(request)
        code = self.codes.pop(0) if self.codes else 100
        ok = code == 100
        return {"requestType": request,
                "requestStatus": {"result": ok, "code": code,
                                  **({} if ok else {"comment": f"refused {code}"})},
                "responseData": {"obsVersion": "32.2.2"} if ok else None}


class FakeClient:
    def __init__(self, base: FakeBase) -> None:
        self.base_client = base

    def disconnect(self) -> None:
        pass


def link_with(codes: list[int], wait: float = 1.0) -> tuple[ObsLink, FakeBase]:
    link = ObsLink.__new__(ObsLink)  # no socket: the fake client stands in for obsws-python
    link.conn, link.not_ready_wait, link._lock = CONN, wait, threading.Lock()
    base = FakeBase(codes)
    link._client = FakeClient(base)
    return link, base


def test_not_ready_is_asked_again_until_obs_answers(monkeypatch) -> None:
    monkeypatch.setattr(obslink, "NOT_READY_RETRY", 0.001)
    link, base = link_with([NOT_READY, NOT_READY, NOT_READY])
    assert link.call("GetVersion") == {"obsVersion": "32.2.2"}
    assert base.sent == ["GetVersion"] * 4


def test_another_refusal_fails_at_once() -> None:
    link, base = link_with([600])  # ResourceNotFound
    with pytest.raises(ObsError, match="refused 600") as err:
        link.call("GetInputMute", {"inputName": "x"})
    assert not isinstance(err.value, NotReady) and base.sent == ["GetInputMute"]


def test_not_ready_for_too_long_is_not_ready(monkeypatch) -> None:
    monkeypatch.setattr(obslink, "NOT_READY_RETRY", 0.001)
    link, _ = link_with([NOT_READY] * 10_000, wait=0.05)
    with pytest.raises(NotReady, match="not ready for GetStreamStatus"):
        link.call("GetStreamStatus")


def test_no_wait_asks_once() -> None:
    link, base = link_with([NOT_READY], wait=0.0)
    with pytest.raises(NotReady):
        link.call("GetVersion")
    assert base.sent == ["GetVersion"]


def test_a_session_shows_not_ready_as_no_figures_not_as_an_error() -> None:
    """OBS shutting down on 30.2 answers "not ready" for seconds before it closes the socket:
    the watch shows no figures meanwhile and reports no error; the link stays."""
    from meetcast.session import Session

    class NotReadyLink:
        def call(self, request: str, data: dict | None = None) -> dict:
            raise NotReady("OBS at 127.0.0.1:1 is not ready for " + request)

        def batch(self, requests: list, timeout: float) -> list:
            raise NotReady("OBS at 127.0.0.1:1 is not ready")

        def close(self) -> None:
            pass

    events: list[str] = []
    s = Session(CONN, {}, connect=lambda conn: NotReadyLink()).open()  # type: ignore[arg-type]
    s.on_event.append(lambda ev: events.append(ev.kind))
    assert s.poll() is None  # no reading: no figures, no error, and the link stays
    assert s.connected and events == []
