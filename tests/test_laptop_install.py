"""The laptop install (issue 16): no plotting stack, a fast ``--help``, ``report`` saying in one
line what it needs, and ``status`` comparing the script in OBS with the controller.

The venv size and the cold start time are measured on a fresh venv (README, "Real use");
here the causes are pinned down: which modules ``--help`` loads, which packages are declared.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tomllib
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import meetcast
import meetcast_core
from meetcast import bitrate, cli
from meetcast.commands import status
from meetcast_core.script_version import (
    compare,
    hotkey_description,
    hotkey_name,
    loaded_versions,
)

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "matplotlib", "textual", "rich", "obsws_python", "websocket", "websockets",
         "yaml", "meetcast.lab", "meetcast.session", "meetcast.dashboard", "meetcast.web",
         "meetcast_core.scene_spec", "meetcast_core.collection_export",
         "meetcast_core.encoder_profiles")


# -- what the laptop installs --------------------------------------------------------------
def test_the_laptop_dependencies_leave_the_plotting_stack_to_the_report_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0].split("[")[0].strip() for d in project["dependencies"]}
    assert names == {"obsws-python", "pyyaml", "rich", "textual", "websockets"}
    assert {d.split(">")[0] for d in project["optional-dependencies"]["report"]} == {
        "matplotlib", "numpy"}
    assert "version" in project["dynamic"]


def test_help_imports_nothing_heavy() -> None:
    """``meetcast --help`` builds every command's parser; the heavy modules load only when a
    command runs (the cold start budget is 0.3 s on the organiser's laptop)."""
    code = ("import sys; from meetcast import cli; cli.build_parser().format_help(); "
            "print('\\n'.join(sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(r.stdout.split())
    assert not [m for m in HEAVY if m in loaded or any(x.startswith(m + ".") for x in loaded)]


def test_one_version_for_controller_and_script() -> None:
    assert meetcast.__version__ == meetcast_core.__version__


# -- report without the extra --------------------------------------------------------------
def _record(tmp_path: Path) -> Path:
    rec = tmp_path / "s.jsonl"
    rec.write_text("\n".join(json.dumps({"type": "sample", "t": t, "kbps": 3000.0,
                                         "state": "OK"}) for t in range(3)) + "\n")
    return rec


@pytest.mark.parametrize("missing", ["matplotlib", "numpy"])
def test_report_without_the_extra_says_what_to_install_in_one_line(
        missing: str, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` now raises ImportError
    rec = _record(tmp_path)
    assert cli.main(["report", str(rec)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "pip install 'meetcast[report]'" in err
    assert not rec.with_suffix(".png").exists()


def test_report_with_the_extra_still_draws(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    rec = _record(tmp_path)
    assert cli.main(["report", str(rec), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kbps"]["p50"] == 3000.0 and rec.with_suffix(".png").stat().st_size > 0


# -- bitrate figures without numpy ---------------------------------------------------------
def test_percentiles_match_numpys_default() -> None:
    np = pytest.importorskip("numpy")
    rng = random.Random(16)
    for n in (2, 3, 10, 61, 1000):
        values = [rng.uniform(0, 6000) for _ in range(n)]
        got = bitrate.summary([*values, None])
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        assert got["p5"] == pytest.approx(p5) and got["p50"] == pytest.approx(p50)
        assert got["p95"] == pytest.approx(p95)
        assert got["mean"] == pytest.approx(float(np.mean(values)))


def test_summary_and_smooth_edges() -> None:
    assert bitrate.summary([None, None]) == {"mean": None, "p5": None, "p50": None,
                                             "p95": None}
    assert bitrate.summary([2500]) == {"mean": 2500, "p5": 2500, "p50": 2500, "p95": 2500}
    s = bitrate.smooth([1000, None, 3000, 3000], span=3)
    assert s[0] == 1000 and s[1] != s[1] and s[2] == 3000 and s[3] == 3000


# -- the script's version, as status reads it ----------------------------------------------
def test_hotkey_names_round_trip_and_strangers_are_ignored() -> None:
    names = ["OBSBasic.StartStreaming", hotkey_name("0.1.0"), 42, hotkey_name("0.1.0"),
             "meetcast.script.version=", "libobs.show_scene_item.meetcast Title"]
    assert loaded_versions(names) == ["0.1.0"]
    assert "0.2.0" in hotkey_description("0.2.0")


@pytest.mark.parametrize(("loaded", "ok", "words"), [
    (["0.1.0"], True, ["meetcast script 0.1.0 in OBS, controller 0.1.0"]),
    (["0.0.9"], False, ["script 0.0.9", "controller is 0.1.0", "meetcast script install"]),
    ([], False, ["not loaded", "meetcast script install"]),
    (["0.0.9", "0.1.0"], False, ["2 meetcast scripts", "0.0.9, 0.1.0"]),
])
def test_compare_script_with_controller(loaded: list[str], ok: bool, words: list[str]) -> None:
    verdict = compare("0.1.0", loaded)
    assert verdict.ok is ok
    assert all(w in verdict.text for w in words), verdict.text


class FakeLink:
    """Answers the four requests ``status`` makes, as obs-websocket 5.1 does."""

    conn = "127.0.0.1:4455"

    def __init__(self, hotkeys: list[str]) -> None:
        self.hotkeys = hotkeys

    def call(self, request: str, data: dict | None = None) -> dict[str, Any]:
        return {"GetVersion": {"obsVersion": "29.0.2", "obsWebSocketVersion": "5.1.0"},
                "GetCurrentProgramScene": {"currentProgramSceneName": "Zoom"},
                "GetStreamStatus": {"outputActive": True},
                "GetHotkeyList": {"hotkeys": self.hotkeys}}[request]


@pytest.mark.parametrize("script", [None, meetcast.__version__, "0.0.1"])
@pytest.mark.parametrize("as_json", [False, True])
def test_status_shows_the_script_beside_the_controller(script: str | None, as_json: bool,
                                                       monkeypatch, capsys) -> None:
    hotkeys = ["OBSBasic.StartStreaming"] + ([hotkey_name(script)] if script else [])

    @contextmanager
    def fake_open(args: object):
        yield FakeLink(hotkeys)

    monkeypatch.setattr(status, "open_link", fake_open)
    assert cli.main(["status", *(["--json"] if as_json else [])]) == 0
    out, err = capsys.readouterr()
    same = script == meetcast.__version__
    if as_json:
        info = json.loads(out)
        assert info["controller_version"] == meetcast.__version__
        assert info["script_versions"] == ([script] if script else [])
        assert info["script_ok"] is same
    else:
        assert out.startswith("OBS 29.0.2 (obs-websocket 5.1.0) at 127.0.0.1:4455: scene “Zoom”")
        if same:
            assert f"meetcast script {script} in OBS, controller {script}" in out
    if same:
        assert err == ""
    else:
        assert err.startswith("meetcast: warning: ") and err.count("\n") == 1
        assert ("not loaded" in err) if script is None else (f"script {script}" in err)


def test_the_glue_registers_the_hotkey_status_reads(monkeypatch) -> None:
    """The name the script registers inside OBS is the one ``status`` looks for (obspython
    stubbed: only the call is checked here; test_script_install_obs runs it in OBS)."""
    import types

    calls: list[tuple] = []
    stub = types.ModuleType("obspython")
    stub.obs_hotkey_register_frontend = lambda *a: calls.append(a)  # type: ignore[attr-defined]
    stub.script_log = lambda *a: None  # type: ignore[attr-defined]
    stub.LOG_INFO, stub.LOG_WARNING = 300, 200  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "obspython", stub)
    monkeypatch.syspath_prepend(str(ROOT / "obs_scripts"))
    saved = {k: v for k, v in sys.modules.items() if k.startswith("meetcast_obsglue")}
    for k in saved:
        del sys.modules[k]
    try:
        from meetcast_obsglue import version

        version.load()
    finally:  # no glue imported against the stub outlives this test
        for k in [k for k in sys.modules if k.startswith("meetcast_obsglue")]:
            del sys.modules[k]
        sys.modules.update(saved)
    (name, description, callback), = calls
    assert loaded_versions([name]) == [meetcast_core.__version__]
    assert description == hotkey_description(meetcast_core.__version__)
    callback(True)  # pressing it only logs
