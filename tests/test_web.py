"""``meetcast web`` without a browser: the token rule, bad input, and against the lab's real
OBS the server as a client sees it (the URL on the first line, 403 without the token, no
secret in anything sent, one OBS connection for many pages, a QR code with --bind)."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import time
import urllib.error
import urllib.request

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from meetcast.lab import Lab
from meetcast.lab.browser import WebProcess, tcp_established, wait_for
from meetcast.levels import FLOOR_DB, peaks
from meetcast.web.access import new_token, page_url, split_path


def test_every_path_must_carry_the_token() -> None:
    token = new_token()
    assert len(token) >= 24 and token != new_token()
    assert split_path(f"/{token}/", token) == ""
    assert split_path(f"/{token}/app.js?x=1", token) == "app.js"
    assert split_path(f"/{token}/ws", token) == "ws"
    for path in ("/", f"/{token}", f"/{token[:-1]}/", f"/x{token}/", "/app.js",
                 f"//{token}/", f"/{token.upper()}/ws"):
        assert split_path(path, token) is None, path
    assert page_url("[::1]", 8455, token) == f"http://[::1]:8455/{token}/"


def test_levels_are_the_loudest_channel_peak_in_dbfs() -> None:
    # obs-websocket's inputLevelsMul: per channel [magnitude, peak, input peak], 0..1
    got = peaks({"Mic/Aux": [[0.05, 0.5, 0.9], [0.02, 0.25, 0.3]],
                 "Desktop Audio": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]})
    assert got == {"mic": round(20 * math.log10(0.5), 1), "desktop": FLOOR_DB}
    assert peaks({}) == {"mic": None, "desktop": None}


@pytest.mark.parametrize("args", [["--port", "99999"], ["--port", "x"], ["--port", "-1"],
                                  ["--bind", "not-an-address"], ["--bind", "1.2.3"],
                                  ["--seconds", "-1"]])
def test_bad_input_is_one_line_and_exit_2(run_meetcast, args: list[str]) -> None:
    r = run_meetcast("web", *args, env={"MEETCAST_PORT": "1"})
    assert r.returncode == 2, r.stderr
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("meetcast: ")


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


async def messages(url: str, seconds: float) -> list[str]:
    got: list[str] = []
    async with connect(url) as ws:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(await asyncio.wait_for(ws.recv(), left))
            except TimeoutError:
                break
    return got


@pytest.mark.obs
def test_token_secrets_and_one_obs_connection_for_many_pages(lab: Lab) -> None:
    with WebProcess(lab.env(), "--port", "0") as web:
        url = web.url
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        token = url.rstrip("/").rsplit("/", 1)[1]
        ws_url = url.replace("http://", "ws://") + "ws"

        status, body, headers = fetch(url)
        assert status == 200 and b"<script src=\"app.js\"" in body
        assert headers["Referrer-Policy"] == "no-referrer"
        for name in ("app.js", "style.css"):
            assert fetch(url + name)[0] == 200
        assert fetch(url + "nothing")[0] == 404
        wrong = url.replace(token, new_token())
        for bad in (wrong, wrong + "app.js", url.replace(f"{token}/", ""), wrong + "ws"):
            status, body, _ = fetch(bad)
            assert status == 403 and body == b"forbidden\n", bad
        with pytest.raises(InvalidStatus) as refused:
            asyncio.run(messages(wrong.replace("http://", "ws://") + "ws", 2))
        assert refused.value.response.status_code == 403

        async def pages(n: int) -> list[list[str]]:
            return await asyncio.gather(*(messages(ws_url, 3.0) for _ in range(n)))

        seen = asyncio.run(pages(5))
        assert tcp_established(web.pid, lab.ws_port) == 1  # one OBS link for five pages
        for got in seen:
            kinds = [json.loads(m)["type"] for m in got]
            assert kinds[0] == "hello" and kinds.count("state") >= 2, kinds
        text = "".join(m for got in seen for m in got)
        text += "".join(fetch(url + n)[1].decode() for n in ("", "app.js", "style.css"))
        text += "".join(web.stdout) + "".join(web.stderr)
        assert lab.ws_password not in text and lab.stream_key not in text
        state = json.loads(next(m for m in seen[0] if '"type":"state"' in m))
        assert state["view"]["scene"] and state["scenes"]
    assert web.proc.returncode in (0, -15)
    assert token not in "".join(web.stderr)  # the URL is on stdout only


@pytest.mark.obs
def test_bind_prints_a_qr_code_and_a_port_in_use_is_bad_input(lab: Lab, run_meetcast) -> None:
    with WebProcess(lab.env(), "--bind", "127.0.0.1", "--port", "0") as web:
        wait_for("the QR code", lambda: sum("█" in line or "▀" in line or "▄" in line
                                            for line in web.stderr) >= 10)
        port = int(web.url.split(":")[2].split("/")[0])
        r = run_meetcast("web", "--no-record", "--port", str(port), env=lab.env())
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert str(port) in r.stderr and r.stdout == ""
    with socket.socket() as s:  # and the port is free again once it has stopped
        s.bind(("127.0.0.1", port))


@pytest.mark.obs
def test_levels_only_to_pages_that_ask_and_only_while_they_do(lab: Lab) -> None:
    """Audio levels (InputVolumeMeters) reach a page that shows them, four a second, and
    no other page; the laptop stops asking OBS for them when no page shows them."""
    with WebProcess(lab.env(), "--port", "0") as web:
        ws_url = web.url.replace("http://", "ws://") + "ws"

        async def run() -> tuple[list[dict], list[dict], list[dict]]:
            async with connect(ws_url) as showing, connect(ws_url) as not_showing:
                await showing.send(json.dumps({"do": "levels", "on": True}))

                async def read(ws, seconds: float) -> list[dict]:
                    out = []
                    deadline = time.monotonic() + seconds
                    while (left := deadline - time.monotonic()) > 0:
                        try:
                            out.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
                        except TimeoutError:
                            break
                    return out

                on, other = await asyncio.gather(read(showing, 3.0), read(not_showing, 3.0))
                await showing.send(json.dumps({"do": "levels", "on": False}))
                await read(showing, 0.5)  # what was already on its way
                off = await read(showing, 2.0)
                return on, other, off

        on, other, off = asyncio.run(run())
    levels = [m for m in on if m["type"] == "levels"]
    assert len(levels) >= 6, [m["type"] for m in on]  # 4 a second, from OBS's own meters
    assert all(isinstance(m["inputs"]["mic"], float) and -60 <= m["inputs"]["mic"] <= 0
               for m in levels), levels[-1]
    assert not [m for m in other if m["type"] == "levels"]
    assert not [m for m in off if m["type"] == "levels"]
