"""``meetcast script install DIR``: the OBS script bundle, without OBS.

The bundle must run inside OBS's own Python, which has the standard library and PyYAML and
nothing of meetcast's venv: so it is imported here in a Python started with ``-I -S`` (no
site-packages, no PYTHONPATH) that sees only DIR and PyYAML. OBS itself loading a bundle is
``test_script_install_obs.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path, PureWindowsPath

import pytest
import yaml

from meetcast import cli, script_bundle
from meetcast.commands import scenes as scenes_cmd
from meetcast.commands import script as script_cmd
from meetcast_core import __version__, audio_chain, collection_export, obs_versions, scene_spec

ROOT = Path(__file__).resolve().parents[1]

# Run in the bundle-only Python: every core module and the whole script import (obspython is
# a stub that records calls), profiles and chains load from the bundle, and the version glue
# registers the hotkey the controller reads.
CHILD = r"""
import json, pkgutil, sys, types
bundle, yamldir = sys.argv[1], sys.argv[2]
sys.path[:0] = [bundle, yamldir]
calls = []
stub = types.ModuleType("obspython")
def _attr(name):
    if name.startswith("__"):
        raise AttributeError(name)
    def call(*args):
        calls.append(name)
        return "29.0.2" if name == "obs_get_version_string" else None
    return call
stub.__getattr__ = _attr
sys.modules["obspython"] = stub
import meetcast_core
core = [m.name.removeprefix("meetcast_core.")
        for m in pkgutil.walk_packages(meetcast_core.__path__, "meetcast_core.")]
for name in core:
    __import__("meetcast_core." + name)
from meetcast_core import audio_chain, encoder_profiles
profiles = encoder_profiles.default_directory()
loaded = [p.name for p in encoder_profiles.load_all(profiles)]
chains = audio_chain.available()
for name in chains:
    audio_chain.load_named(name)
import meetcast_obs
import meetcast_obsglue.version
meetcast_obsglue.version.load()
ours = ("__main__", "meetcast_core", "meetcast_obsglue", "meetcast_obs", "obspython", "yaml")
outside = sorted(m for m in sys.modules  # (PyYAML's C extension brings Cython's runtime)
                 if m.split(".")[0] not in sys.stdlib_module_names | set(ours)
                 and "cython" not in m)
print(json.dumps({"core_file": meetcast_core.__file__, "core": core, "profiles": str(profiles),
                  "loaded": loaded, "chains": chains, "problem": meetcast_obs.PROBLEM,
                  "calls": calls, "outside": outside}))
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def meetcast(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETCAST_")}
    return subprocess.run([sys.executable, "-m", "meetcast.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def yaml_only(tmp_path: Path) -> Path:
    """A folder holding PyYAML and nothing else (what OBS's Python has besides stdlib)."""
    d = tmp_path / "yaml-only"
    d.mkdir()
    (d / "yaml").symlink_to(Path(yaml.__file__).parent, target_is_directory=True)
    return d


def test_bundle_is_complete_with_stdlib_and_pyyaml_only(tmp_path: Path, yaml_only: Path
                                                        ) -> None:
    r = meetcast("script", "install", str(tmp_path / "obs_scripts"))
    assert r.returncode == 0, r.stderr
    bundle = tmp_path / "obs_scripts"
    assert f"Tools → Scripts → + → {bundle / 'meetcast_obs.py'}" in r.stdout
    assert not list(bundle.rglob("__pycache__"))
    child = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", CHILD, str(bundle),
                            str(yaml_only)], capture_output=True, text=True, timeout=60,
                           cwd=tmp_path)
    assert child.returncode == 0, child.stderr
    got = json.loads(child.stdout)
    assert Path(got["core_file"]).is_relative_to(bundle)
    assert Path(got["profiles"]) == bundle / "meetcast_core" / "profiles"
    core_dir = ROOT / "obs_scripts" / "meetcast_core"
    checkout_core = {".".join(p.relative_to(core_dir).with_suffix("").parts).removesuffix(
        ".__init__") for p in core_dir.rglob("*.py")}
    assert set(got["core"]) == checkout_core - {"__init__"}  # subpackages too (stream/)
    assert sorted(got["loaded"]) == sorted(p.stem for p in (ROOT / "profiles").glob("*.yaml"))
    assert got["chains"] == audio_chain.available(ROOT / "profiles" / "audio")
    assert got["problem"] is None
    assert "obs_hotkey_register_frontend" in got["calls"]
    assert got["outside"] == []  # nothing but stdlib, PyYAML and the bundle was imported
    glue = {p.name for p in (ROOT / "obs_scripts" / "meetcast_obsglue").glob("*.py")}
    assert {p.name for p in (bundle / "meetcast_obsglue").glob("*.py")} == glue


def test_a_second_install_is_idempotent_and_leaves_nothing_beside(tmp_path: Path) -> None:
    target = tmp_path / "scripts" / "meetcast"
    first = script_bundle.install(target)
    before = tree(target)
    (target / "__pycache__").mkdir()  # what OBS's Python leaves beside meetcast_obs.py
    (target / "__pycache__" / "meetcast_obs.cpython-311.pyc").write_bytes(b"x")
    (target / "meetcast_core" / "stale.py").write_text("# from an older meetcast\n")
    second = script_bundle.install(target)
    assert tree(target) == before
    assert first.files == second.files == len(before)
    assert os.listdir(target.parent) == ["meetcast"]  # no staging or old copy left behind
    assert second.version == __version__


def test_an_empty_folder_is_filled(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    done = script_bundle.install(target)
    assert done.script == target / "meetcast_obs.py" and done.script.is_file()


@pytest.mark.parametrize("case", ["file", "foreign", "under-a-file", "own-source"])
def test_bad_target_is_one_line_exit_2_and_touches_nothing(case: str, tmp_path: Path) -> None:
    if case == "file":
        target = tmp_path / "meetcast_obs.py"
        target.write_text("mine\n")
        expect = "is a file, not a folder"
    elif case == "foreign":
        target = tmp_path / "scripts"
        target.mkdir()
        (target / "my-other-script.lua").write_text("-- mine\n")
        expect = "holds files meetcast did not write (my-other-script.lua)"
    elif case == "under-a-file":
        (tmp_path / "f").write_text("")
        target = tmp_path / "f" / "meetcast"
        expect = "a file is in the way"
    else:
        target = ROOT / "obs_scripts"
        expect = "overlaps this meetcast's own copy"
    before = sorted(p.name for p in tmp_path.iterdir())
    r = meetcast("script", "install", str(target))
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("meetcast: "), r.stderr
    assert expect in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_unwritable_parent_is_one_line_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    """Root ignores permissions, so the refusal is simulated where the staging folder is
    made; as another user, a read-only folder is tried for real too."""
    real_mkdir = Path.mkdir

    def refuse(self: Path, *args, **kwargs) -> None:
        if ".meetcast-new-" in self.name:
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert cli.main(["script", "install", str(tmp_path / "meetcast")]) == 2
    err = capsys.readouterr().err
    assert err == f"meetcast: cannot write into {tmp_path}: Permission denied\n"
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        r = meetcast("script", "install", str(ro / "meetcast"))
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_a_failed_copy_leaves_the_earlier_install_as_it_was(tmp_path: Path, monkeypatch
                                                           ) -> None:
    target = tmp_path / "meetcast"
    script_bundle.install(target)
    before = tree(target)

    def broken(sources: script_bundle.Sources, into: Path) -> int:
        (into / "meetcast_obs.py").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(script_bundle, "stage", broken)
    with pytest.raises(script_bundle.InstallError, match="No space left on device"):
        script_bundle.install(target)
    assert tree(target) == before
    assert os.listdir(tmp_path) == ["meetcast"]


# -- Windows paths ---------------------------------------------------------------------------
def test_windows_paths_are_shown_as_windows_spells_them() -> None:
    folder = PureWindowsPath("C:/Users/Organiser/meetcast")
    assert str(script_bundle.script_path(folder)) == r"C:\Users\Organiser\meetcast\meetcast_obs.py"
    aside = script_bundle.aside_name(PureWindowsPath(r"D:\OBS scripts\meetcast"), "new")
    assert aside.startswith(".meetcast.meetcast-new-") and "\\" not in aside
    text = script_cmd.install_text(script_bundle.script_path(folder), "windows", (31, 1))
    assert r"Tools → Scripts → + → C:\Users\Organiser\meetcast\meetcast_obs.py" in text
    assert "sudo apt" not in text


def test_the_committed_windows_collection_path_is_recognised_in_any_spelling() -> None:
    committed = PureWindowsPath(collection_export.DEFAULT_SCRIPT_PATHS["windows"])
    spelt = PureWindowsPath(str(committed).upper().replace("MEETCAST_OBS.PY", "meetcast_obs.py"))
    assert "names this path" in script_cmd.collection_note(spelt, "windows")
    other = PureWindowsPath(r"D:\tools\meetcast\meetcast_obs.py")
    note = script_cmd.collection_note(other, "windows")
    assert rf"--os windows --script '{other}'" in note


def test_foreign_entries_are_judged_by_name_alone() -> None:
    assert script_bundle.foreign_entries(["meetcast_obs.py", "meetcast_core", "__pycache__",
                                          "meetcast_obsglue"]) == []
    assert script_bundle.foreign_entries(["Meetcast_Obs.py", "x"]) == ["Meetcast_Obs.py", "x"]


# -- the Python OBS needs ------------------------------------------------------------------
def test_python_rows_cover_every_obs_version_from_the_facts() -> None:
    rows = script_cmd.python_rows()
    assert rows[0][0].startswith("OBS 28.0")
    assert rows[-1][0].endswith("and newer")
    for since in [r.since for r in obs_versions.FACTS["python_max_minor"]]:
        _low, high = obs_versions.python_window(since)
        line = script_cmd.python_line(since)
        assert f"install 64-bit Python {high[0]}.{high[1]}, not newer" in line
        assert any(f"{high[0]}.{high[1]}" in py for _, py in rows)
    assert len({py for _, py in rows}) == len(rows)  # equal windows are merged


def test_obs_flag_prints_only_that_versions_python(tmp_path: Path, capsys) -> None:
    assert cli.main(["script", "install", str(tmp_path / "m"), "--obs-version", "29.0.2"]) == 0
    out = capsys.readouterr().out
    _low, high = obs_versions.python_window((29, 0))
    if scene_spec.current_os() != "linux":
        assert f"install 64-bit Python {high[0]}.{high[1]}, not newer" in out
    assert "and newer" not in out
    assert cli.main(["script", "install", str(tmp_path / "m"), "--obs-version", "banana"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# -- the wheel carries the bundle ----------------------------------------------------------
def test_the_wheel_carries_the_script_where_the_installer_looks() -> None:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = cfg["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"] == {
        "profiles": "meetcast_core/profiles",
        "obs_scripts/meetcast_obs.py": "meetcast/obs_script/meetcast_obs.py",
        "obs_scripts/meetcast_obsglue": "meetcast/obs_script/meetcast_obsglue",
    }
    assert "controller/meetcast/lab" in wheel["exclude"]
    assert cfg["tool"]["hatch"]["version"]["path"] == "obs_scripts/meetcast_core/__init__.py"


def test_scenes_command_os_names_match_the_scene_spec() -> None:
    assert scenes_cmd.OS_NAMES == scene_spec.OS_NAMES
