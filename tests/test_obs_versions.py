"""The per-OBS-version facts (meetcast_core.obs_versions), without OBS.

Three layers: the table's shape (every row well-formed, its source tag inside the span the
row covers); lookups at every boundary, with the values obs-studio's source shows at those
tags (read at 28.0.0..32.2.2, cited per row); and ``python_problem``, the one line the script
says when the Python OBS loaded cannot run meetcast — including under the oldest Pythons OBS
can load, where the module must still import. When obs-studio's git repository is on this
machine (``MEETCAST_OBS_SOURCE``, default the workplace's mirror), each row's ``TAG:path`` is
also checked to exist there, and a few values are read back from the source itself.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from meetcast_core import obs_versions as ov

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "obs_scripts" / "meetcast_obs.py"
MODULE = ROOT / "obs_scripts" / "meetcast_core" / "obs_versions.py"


# -- the table's shape -----------------------------------------------------------------------
def test_every_fact_is_described_and_every_description_is_a_fact() -> None:
    assert set(ov.FACTS) == set(ov.DESCRIPTIONS)
    assert all(ov.DESCRIPTIONS[name].strip() for name in ov.FACTS)


@pytest.mark.parametrize("name", sorted(ov.FACTS))
def test_rows_start_at_28_and_go_strictly_up(name: str) -> None:
    rows = ov.FACTS[name]
    assert rows, name
    assert rows[0].since == (28, 0), "every fact must say what OBS 28, meetcast's oldest, does"
    sinces = [r.since for r in rows]
    assert sinces == sorted(set(sinces)), f"{name}: rows out of order or repeated"
    assert all(r.since <= ov.NEWEST_KNOWN for r in rows)


@pytest.mark.parametrize(("name", "index"), [(n, i) for n, rows in sorted(ov.FACTS.items())
                                             for i in range(len(rows))])
def test_each_source_is_a_tag_inside_its_rows_span(name: str, index: int) -> None:
    """``TAG:path``: the tag lies in [since, next row's since), so ``git show TAG:path`` shows
    the fact as this row states it (a tag before ``since`` would show the previous value)."""
    rows = ov.FACTS[name]
    row = rows[index]
    tag_version, tag, path = ov.source_parts(row.source)
    assert row.source == f"{tag}:{path}"
    assert tag_version >= row.since, f"{name}: {row.source} is older than the row ({row.since})"
    if index + 1 < len(rows):
        assert tag_version < rows[index + 1].since, (
            f"{name}: {row.source} already shows the next row's value")
    assert tag_version <= ov.NEWEST_KNOWN
    assert not path.startswith("/") and ".." not in path.split("/")


def test_source_parts_refuses_what_is_not_tag_path() -> None:
    assert ov.source_parts("31.0.0:UI/obs-app.cpp") == ((31, 0), "31.0.0", "UI/obs-app.cpp")
    for bad in ("UI/obs-app.cpp", "31.0:UI/x.cpp", "31.0.0:", "31.0.0:/abs", "v31.0.0:x"):
        with pytest.raises(ValueError):
            ov.source_parts(bad)


def test_the_module_imports_on_python_3_6() -> None:
    """meetcast_obs.py imports it first under whatever Python OBS loaded (down to 3.6)."""
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    futures = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
               and n.module == "__future__"]
    assert futures == [], "from __future__ import annotations is a SyntaxError before 3.7"
    imports = {a.name.split(".")[0] for n in ast.walk(tree)
               for a in (n.names if isinstance(n, ast.Import | ast.ImportFrom) else [])}
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert modules <= {"typing"} and imports <= {"re", "Any", "Dict", "NamedTuple",
                                                 "Optional", "Tuple"}


# -- lookups at the boundaries ---------------------------------------------------------------
@pytest.mark.parametrize(("name", "version", "value"), [
    # PY_MINOR_VERSION_MAX: 10 up to 29.0.2, 11 from 29.1.0, 12 from 30.1.0
    ("python_max_minor", (28, 0), 10), ("python_max_minor", (29, 0), 10),
    ("python_max_minor", (29, 1), 11), ("python_max_minor", (30, 0), 11),
    ("python_max_minor", (30, 1), 12), ("python_max_minor", (30, 2), 12),
    ("python_max_minor", (31, 0), 12), ("python_max_minor", (32, 2), 12),
    ("profile_saved_on_switch", (30, 2), False), ("profile_saved_on_switch", (31, 0), True),
    ("profile_saved_on_switch", (32, 2), True),
    ("profile_list_cached", (30, 2), False), ("profile_list_cached", (31, 0), True),
    # OBSBasic::AddScene: addItem up to 29.1.3, insertItem(currentRow() + 1) from 30.0.0
    ("new_scene_position", (29, 1), "append"), ("new_scene_position", (30, 0), "below_selected"),
    ("new_scene_position", (32, 2), "below_selected"),
    ("collection_found_by", (30, 2), "file"), ("collection_found_by", (31, 0), "json_name"),
    ("collection_found_by", (32, 2), "json_name"),
    ("nvidia_denoiser", (30, 2), ("noise_suppress_filter_v2", "denoiser")),
    ("nvidia_denoiser", (31, 0), ("nvidia_audiofx_filter", "denoiser")),
    ("nvidia_denoiser", (32, 2), ("nvidia_audiofx_filter", "denoiser")),
    ("nvidia_denoiser_keys", (31, 1), ("intensity",)),
    ("nvidia_denoiser_keys", (32, 0), ("intensity", "vad")),
    ("denoiser_migration", (30, 2), None), ("denoiser_migration", (31, 0), "_ported"),
    ("denoiser_migration", (31, 1), "_ported"), ("denoiser_migration", (32, 0), None),
    ("text_windows_id", (30, 1), "text_gdiplus_v2"),
    ("text_windows_id", (30, 2), "text_gdiplus_v3"),
    ("xshm_id", (30, 2), "xshm_input"), ("xshm_id", (31, 0), "xshm_input_v2"),
    ("libobs_linux_sonames", (29, 0), ("libobs.so.0",)),
    ("libobs_linux_sonames", (30, 1), ("libobs.so.0",)),
    ("libobs_linux_sonames", (30, 2), ("libobs.so.30", "libobs.so.0")),
    ("libobs_linux_sonames", (32, 2), ("libobs.so.32", "libobs.so.0")),
    ("videotoolbox_cbr_min_macos", (28, 0), (13, 0)),
    ("videotoolbox_cbr_min_macos", (32, 2), (13, 0)),
    ("websocket_config", (30, 1), "global.ini"),
    ("websocket_config", (30, 2), "plugin_config/obs-websocket/config.json"),
    # obs-websocket 5.2.3 (OBS 29.1) starts its server at FINISHED_LOADING, 5.3.3 (30.0) at
    # post-load, answering NotReady (207) until then
    ("websocket_not_ready_at_start", (29, 1), False),
    ("websocket_not_ready_at_start", (30, 0), True),
    ("shutdown_check_flag", (29, 1), False), ("shutdown_check_flag", (30, 0), True),
    ("shutdown_check_flag", (31, 1), True), ("shutdown_check_flag", (32, 0), False),
    ("unclean_shutdown_sentinel", (29, 1), None),
    ("unclean_shutdown_sentinel", (31, 1), "obs-studio/safe_mode"),
    ("unclean_shutdown_sentinel", (32, 0), "obs-studio/.sentinel"),
    ("user_config_file", (30, 2), "global.ini"), ("user_config_file", (31, 0), "user.ini"),
])
def test_fact_at_the_boundaries(name: str, version: tuple[int, int], value: Any) -> None:
    assert ov.fact(name, version) == value


def test_versions_outside_the_table() -> None:
    # older than 28: the oldest row (meetcast does not support it, but nothing crashes)
    assert ov.fact("python_max_minor", (27, 2)) == 10
    # newer than the newest checked: the last row holds, {major} still filled in
    assert ov.fact("xshm_id", (40, 1)) == "xshm_input_v2"
    assert ov.fact("libobs_linux_sonames", (33, 0)) == ("libobs.so.33", "libobs.so.0")
    assert ov.row("python_max_minor", (31, 5)).source.startswith("32.2.2:shared/")


def test_unknown_fact_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="python_max_minor"):
        ov.fact("no_such_fact", (29, 0))


@pytest.mark.parametrize(("text", "version"), [
    ("29.0.2", (29, 0)), ("31.1.0-beta1", (31, 1)), ("32", (32, 0)), (" 30.2.3\n", (30, 2))])
def test_parse_version(text: str, version: tuple[int, int]) -> None:
    assert ov.parse_version(text) == version


@pytest.mark.parametrize("text", ["", "x.1", "abc"])
def test_parse_version_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        ov.parse_version(text)


# -- python_problem ----------------------------------------------------------------------------
@pytest.mark.parametrize(("obs", "python", "platform"), [
    ((29, 0), (3, 10), "win32"), ((29, 1), (3, 11), "win32"), ((30, 0), (3, 11), "darwin"),
    ((30, 1), (3, 12), "win32"),            # 3.12 is loaded from 30.1.0, not only from 30.2
    ((32, 2), (3, 12), "win32"), ((31, 0), (3, 10), "darwin"),
    ((32, 2), (3, 14), "linux"),            # Linux: OBS links the system Python (sid: 3.14)
    ((30, 2), (3, 13), "linux"),            # trixie
    ((33, 0), (3, 13), "win32"),            # an OBS newer than the table loaded it: trust OBS
])
def test_pythons_meetcast_runs_on(obs, python, platform) -> None:
    assert ov.python_problem(obs, python, platform) is None


@pytest.mark.parametrize(("obs", "python", "platform", "needles"), [
    ((29, 0), (3, 11), "win32", ("OBS 29.0 loads Python up to 3.10, not 3.11",
                                 "python.org 3.10")),
    ((30, 0), (3, 12), "darwin", ("up to 3.11, not 3.12",)),
    ((32, 2), (3, 13), "win32", ("up to 3.12, not 3.13", "Python Settings")),
    ((31, 0), (3, 9), "win32", ("needs Python 3.10-3.12 in OBS 31.0", "loaded 3.9",
                                "python.org 3.12")),
    ((28, 0), (3, 6), "darwin", ("3.10-3.10", "loaded 3.6")),
    ((29, 0), (3, 9), "linux", ("3.10 or newer", "system Python 3.9")),
])
def test_pythons_meetcast_refuses_in_one_line(obs, python, platform, needles) -> None:
    line = ov.python_problem(obs, python, platform)
    assert line is not None and "\n" not in line
    for needle in needles:
        assert needle in line


def test_python_problem_takes_sys_version_info() -> None:
    assert ov.python_problem((32, 2), sys.version_info, "linux") is None
    assert ov.python_window((30, 1)) == ((3, 10), (3, 12))


def _old_pythons() -> list[str]:
    """Interpreters 3.6-3.9 on this machine (PATH or pyenv), one per minor, that run."""
    found: dict[str, str] = {}
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for minor in (6, 7, 8, 9):
        cands = [shutil.which(f"python3.{minor}")]
        cands += sorted(str(p) for p in pyenv.glob(f"3.{minor}.*/bin/python3.{minor}"))
        for c in cands:
            if c and subprocess.run([c, "-c", "pass"], capture_output=True).returncode == 0:
                found[f"3.{minor}"] = c
                break
    return list(found.values())


OLD_PYTHONS = _old_pythons()

# A stand-in for obspython, enough for the script's refusal path (and, through a module
# __getattr__, for the normal path's imports on a modern Python).
STUB = '''
LOG_WARNING, LOG_INFO, OBS_TEXT_INFO, OBS_TEXT_INFO_ERROR = 200, 300, 3, 2
VERSION = "31.0.0"
logged, texts = [], []
def obs_get_version_string(): return VERSION
def script_log(level, msg): logged.append([level, msg])
def obs_properties_create(): return []
def obs_properties_add_text(props, name, desc, kind):
    texts.append([name, desc, kind]); return len(texts) - 1
def obs_property_text_set_info_type(p, kind): texts[p].append(kind)
def __getattr__(name):
    return (lambda *a, **k: None) if name.islower() else 0
'''

RUNNER = '''
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
sys.platform = sys.argv[3]
import obspython
obspython.VERSION = sys.argv[4]
spec = importlib.util.spec_from_file_location("meetcast_obs", sys.argv[2])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
if m.PROBLEM is not None:
    m.script_load(None)
    m.script_properties()
print(json.dumps({"problem": m.PROBLEM, "log": obspython.logged, "texts": obspython.texts,
                  "description": m.script_description(),
                  "hooks": sorted(n for n in dir(m) if n.startswith("script_")),
                  "glue": sorted(n for n in sys.modules if n.startswith("meetcast_obsglue"))}))
'''


def _run_script(python: str, tmp_path: Path, platform: str, obs: str) -> dict:
    (tmp_path / "obspython.py").write_text(STUB, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([python, "-c", RUNNER, str(tmp_path), str(SCRIPT), platform, obs],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python 3.6-3.9 on this machine")
@pytest.mark.parametrize("python", OLD_PYTHONS, ids=lambda p: Path(p).name)
def test_script_under_a_python_below_meetcasts_floor_says_so_once(python: str,
                                                                   tmp_path: Path) -> None:
    """OBS for Windows loads a python.org 3.6-3.9 when that is the newest installed: the
    script must load there, say why it cannot run in ONE line (log and properties), and load
    no feature (whose code needs 3.10)."""
    out = _run_script(python, tmp_path, "win32", "31.0.0")
    assert out["problem"] and "needs Python 3.10-3.12 in OBS 31.0" in out["problem"]
    assert out["log"] == [[200, "meetcast: not running: " + out["problem"]]]
    assert out["texts"] == [["meetcast_python", out["problem"], 3, 2]]
    assert out["problem"] in out["description"]
    assert out["glue"] == []
    assert out["hooks"] == ["script_description", "script_load", "script_properties"]


def test_script_under_a_python_above_obs_window_says_so_once(tmp_path: Path) -> None:
    """The same refusal for a Python above the running OBS's window (here: this Python, on a
    Windows OBS 29.0 whose window ends at 3.10)."""
    out = _run_script(sys.executable, tmp_path, "win32", "29.0.2")
    assert out["problem"].startswith("OBS 29.0 loads Python up to 3.10, not ")
    assert len(out["log"]) == 1 and out["log"][0][1].endswith(out["problem"])
    assert out["glue"] == []


def test_script_under_a_good_python_loads_its_features(tmp_path: Path) -> None:
    out = _run_script(sys.executable, tmp_path, "linux", "32.2.2")
    assert out["problem"] is None and out["log"] == [] and out["texts"] == []
    assert "meetcast_obsglue.script" in out["glue"]
    assert {"script_load", "script_unload", "script_update", "script_properties",
            "script_defaults", "script_description"} <= set(out["hooks"])


# -- against obs-studio's own source, where it is on this machine ------------------------------
OBS_SOURCE = Path(os.environ.get("MEETCAST_OBS_SOURCE",
                                 "/work/.mirror/obsproject+obs-studio/repo"))
WEBSOCKET_SOURCE = Path(os.environ.get("MEETCAST_OBS_WEBSOCKET_SOURCE",
                                       "/work/.mirror/obsproject+obs-websocket/repo"))
SUBMODULE = "plugins/obs-websocket/"
needs_source = pytest.mark.skipif(not (OBS_SOURCE / "HEAD").exists() or not shutil.which("git"),
                                  reason=f"obs-studio's git repository is not at {OBS_SOURCE}")


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", f"--git-dir={repo}", *args], capture_output=True, text=True)


def _show(tag: str, path: str) -> str:
    r = _git(OBS_SOURCE, "show", f"{tag}:{path}")
    assert r.returncode == 0, f"{tag}:{path}: {r.stderr.strip()}"
    return r.stdout


@needs_source
@pytest.mark.parametrize(("name", "index"), [(n, i) for n, rows in sorted(ov.FACTS.items())
                                             for i in range(len(rows))])
def test_each_source_file_exists_at_its_tag(name: str, index: int) -> None:
    _, tag, path = ov.source_parts(ov.FACTS[name][index].source)
    if path.startswith(SUBMODULE):  # read in obs-websocket, at the commit the tag pins
        pin = _git(OBS_SOURCE, "ls-tree", tag, SUBMODULE.rstrip("/")).stdout.split()
        assert len(pin) >= 3 and pin[1] == "commit", f"{tag} pins no obs-websocket"
        if not (WEBSOCKET_SOURCE / "HEAD").exists():
            pytest.skip(f"obs-websocket's repository is not at {WEBSOCKET_SOURCE}")
        r = _git(WEBSOCKET_SOURCE, "cat-file", "-e", f"{pin[2]}:{path[len(SUBMODULE):]}")
    else:
        r = _git(OBS_SOURCE, "cat-file", "-e", f"{tag}:{path}")
    assert r.returncode == 0, f"{name}: {tag}:{path} does not exist"


RELEASES = ["28.0.0", "28.1.2", "29.0.2", "29.1.0", "29.1.3", "30.0.0", "30.0.2", "30.1.0",
            "30.1.2", "30.2.0", "30.2.3", "31.0.0", "31.1.2", "32.0.0", "32.2.2"]


def _path_at(tag: str, *candidates: str) -> str:
    files = set(_git(OBS_SOURCE, "ls-tree", "-r", "--name-only", tag).stdout.split("\n"))
    return next(c for c in candidates if c in files)


@needs_source
@pytest.mark.parametrize("tag", RELEASES)
def test_values_read_back_from_the_source(tag: str) -> None:
    """A few facts read from the file itself at each release, not from memory."""
    v = ov.parse_version(tag)
    py = _show(tag, _path_at(tag, "deps/obs-scripting/obs-scripting-python-import.c",
                             "shared/obs-scripting/obs-scripting-python-import.c"))
    assert re.search(r"#define PY_MINOR_VERSION_MAX (\d+)", py).group(1) == str(
        ov.fact("python_max_minor", v))
    text = _show(tag, "plugins/obs-text/gdiplus/obs-text.cpp")
    newest_text = max(int(n) for n in re.findall(r"si_v\d\.version = (\d)", text))
    assert ov.fact("text_windows_id", v) == f"text_gdiplus_v{newest_text}"
    xshm = _show(tag, "plugins/linux-capture/xshm-input.c")
    assert ('"xshm_input_v2"' in xshm) == (ov.fact("xshm_id", v) == "xshm_input_v2")
    ns = _show(tag, "plugins/obs-filters/noise-suppress-filter.c")
    kind, method = ov.fact("nvidia_denoiser", v)
    assert ('"_ported"' in ns) == (ov.fact("denoiser_migration", v) == "_ported")
    if kind == "nvidia_audiofx_filter":
        nv = _show(tag, "plugins/nv-filters/nvidia-audiofx-filter.c")
        assert '.id = "nvidia_audiofx_filter"' in nv
        keys = set(re.findall(r'#define S_NVAFX_\w+ "(\w+)"', nv))
        assert keys == set(ov.fact("nvidia_denoiser_keys", v))
    else:
        assert f'S_METHOD_NVAFX_DENOISER "{method}"' in ns
    scenes = _show(tag, _path_at(tag, "frontend/widgets/OBSBasic_Scenes.cpp",
                                 "UI/window-basic-main.cpp"))
    add = scenes[scenes.index("void OBSBasic::AddScene(OBSSource source)"):][:1500]
    assert ("insertItem(ui->scenes->currentRow() + 1" in add) == (
        ov.fact("new_scene_position", v) == "below_selected")


# -- libobs's file name on Linux (the leveller's ctypes) --------------------------------------
def test_libobs_candidates_follow_the_soname_fact() -> None:
    from meetcast_obsglue.libobs_c import candidates

    assert candidates("win32", (32, 2)) == ["obs.dll"]
    assert candidates("linux", (29, 0)) == [None, "libobs.so.0"]
    assert candidates("linux", (30, 1)) == [None, "libobs.so.0"]
    assert candidates("linux", (30, 2)) == [None, "libobs.so.30", "libobs.so.0"]
    assert candidates("linux", (32, 2)) == [None, "libobs.so.32", "libobs.so.0"]
    assert candidates("darwin", (31, 0))[0] is None


LIB_DIRS = {  # the lab's OBS builds: Debian 12 on the host, trixie and sid chroots
    (29, 0): Path("/usr/lib/x86_64-linux-gnu"),
    (30, 2): Path(os.environ.get("MEETCAST_CHROOT_DIR", "/var/cache/meetcast"))
    / "obs-trixie/usr/lib/x86_64-linux-gnu",
    (32, 2): Path(os.environ.get("MEETCAST_CHROOT_DIR", "/var/cache/meetcast"))
    / "obs-sid/usr/lib/x86_64-linux-gnu",
}


@pytest.mark.parametrize("version", sorted(LIB_DIRS))
def test_a_libobs_name_exists_in_each_installed_obs(version: tuple[int, int]) -> None:
    """Debian keeps libobs.so.0 on every version (its SONAME there, seen on 29.0.2, 30.2.3 and
    32.2.2), so the last candidate always exists on Debian's builds."""
    libs = LIB_DIRS[version]
    if not libs.is_dir() or not any(libs.glob("libobs.so*")):
        pytest.skip(f"no OBS {version[0]}.{version[1]} libraries at {libs}")
    names = ov.fact("libobs_linux_sonames", version)
    assert any((libs / n).exists() for n in names), sorted(p.name for p in libs.glob("libobs*"))
