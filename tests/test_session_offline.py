"""Settings and report logic that needs no OBS: bad records and bad settings, the stop
confirmation. (The session's driver: tests/test_session_driver.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meetcast.connection import ConfigError, Connection
from meetcast.settings import watch_settings

CONN = Connection("127.0.0.1", 1, "pw-never-shown")


@pytest.mark.parametrize("cfg,match", [
    ({"watch": {"cost_per_hour": -1}}, "cost_per_hour"),
    ({"watch": {"costs": 1}}, "unknown key"),
    ({"health": {"low_after": "soon"}}, r"\[health\] low_after"),
    ({"auto_brb": {"enabled": 1}}, "true or false"),
])
def test_bad_settings_are_one_line_config_errors(cfg: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as exc:
        watch_settings(cfg)
    assert "\n" not in str(exc.value)


def test_settings_values() -> None:
    s = watch_settings({"watch": {"cost_per_hour": 1.25, "currency": "€"}})
    assert (s.cost_per_hour, s.currency, s.interval) == (1.25, "€", 0.25)
    assert watch_settings({"watch": {"interval": 1}}).interval == 1.0


def test_report_rejects_what_is_not_a_record(tmp_path: Path, run_meetcast) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello\nworld\n")
    r = run_meetcast("report", str(bad))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr
    r = run_meetcast("report", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and "cannot read" in r.stderr


def test_report_of_a_torn_record_skips_the_last_line(tmp_path: Path, run_meetcast) -> None:
    lines = [{"type": "session", "t": 0}]
    for i in range(30):
        state = "LOW" if 10 <= i < 15 else "OK"
        lines.append({"type": "sample", "t": float(i), "kbps": 900.0 if state == "LOW" else 2500,
                      "state": state, "drops": {"network": 3 if state == "LOW" else 0,
                                                "encoder": 0, "render": 0},
                      "totals": {"network": 15, "encoder": 0, "render": 0},
                      "congestion": 0.6 if state == "LOW" else 0.0})
    lines.insert(12, {"type": "scene", "t": 11.0, "scene": "BRB", "by": "auto"})
    rec = tmp_path / "s.jsonl"
    rec.write_text("\n".join(json.dumps(x) for x in lines) + '\n{"type": "sam')
    r = run_meetcast("report", str(rec), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["samples"] == 30 and out["dropped"]["network"] == 15
    assert out["seconds_by_state"] == {"LOW": 5.0, "OK": 25.0}
    assert out["kbps"]["p50"] == 2500.0
    assert Path(out["png"]).read_bytes()[:4] == b"\x89PNG"


class _Tty:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer,expected", [("y", True), ("YES", True), ("", False),
                                             ("n", False), (EOFError, False)])
def test_stop_confirmation_on_a_terminal(monkeypatch, answer, expected) -> None:
    from meetcast.commands import stream

    def fake_input(prompt: str) -> str:
        assert "[y/N]" in prompt
        if answer is EOFError:
            raise EOFError
        return answer

    monkeypatch.setattr(stream.sys, "stdin", _Tty())
    monkeypatch.setattr("builtins.input", fake_input)
    assert stream.confirm("Stop?") is expected


def test_no_terminal_means_no_answer(monkeypatch) -> None:
    import io

    from meetcast.commands import stream

    monkeypatch.setattr(stream.sys, "stdin", io.StringIO("y\n"))
    assert stream.confirm("Stop?") is None
