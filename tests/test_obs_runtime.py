"""Choosing the lab's OBS (``MEETCAST_OBS``) and how a chroot's OBS is started, without OBS:
a wrong choice or a missing chroot is one line naming the fix, and the command keeps every
mount inside a private mount namespace, so nothing can stay mounted on the host."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from meetcast.lab import obs_runtime as rt
from meetcast.lab.procs import LabError


def fake_chroot(base: Path, suite: str, version: str = "32.2.2+ds-1+b2") -> Path:
    root = base / f"obs-{suite}"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "obs").write_text("")
    (root / rt.READY_STAMP).write_text(version + "\n")
    return root


def test_versions_parse_from_debian_package_versions() -> None:
    assert rt.parse_version("30.2.3+dfsg-3") == (30, 2, 3)
    assert rt.parse_version("32.2.2+ds-1+b2\n") == (32, 2, 2)
    assert rt.parse_version("1:29.0.2+dfsg-1") == (29, 0, 2)
    with pytest.raises(ValueError):
        rt.parse_version("unknown")


def test_an_unknown_choice_names_the_three(monkeypatch) -> None:
    monkeypatch.setenv(rt.ENV_VAR, "31")
    with pytest.raises(LabError, match=r"MEETCAST_OBS=31: unknown OBS .*29 \| 30.2 \| 32.2"):
        rt.select()


def test_a_missing_chroot_is_one_line_naming_the_build_script(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(rt.CHROOT_BASE_VAR, str(tmp_path))
    for name, suite in (("30.2", "trixie"), ("32.2", "sid")):
        with pytest.raises(LabError) as err:
            rt.select(name)
        text = str(err.value)
        assert "\n" not in text and f"bash scripts/obs-chroot.sh {suite}" in text


def test_a_built_chroot_gives_its_version(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(rt.CHROOT_BASE_VAR, str(tmp_path))
    monkeypatch.setattr(rt.os, "geteuid", lambda: 0)
    root = fake_chroot(tmp_path, "sid")
    monkeypatch.setenv(rt.ENV_VAR, "32.2")
    runtime = rt.select()
    assert (runtime.root, runtime.version, runtime.version_full) == (root, (32, 2), (32, 2, 2))
    assert runtime.in_chroot


def test_the_host_obs_runs_as_is(monkeypatch) -> None:
    monkeypatch.setattr(rt.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(rt, "_host_version", lambda: (29, 0, 2))
    monkeypatch.delenv(rt.ENV_VAR, raising=False)
    runtime = rt.select()
    assert (runtime.name, runtime.root, runtime.version) == ("29", None, (29, 0))
    argv = ["obs", "--multi"]
    assert runtime.command(argv, [Path("/tmp/x")]) == argv


def test_a_chroot_obs_mounts_in_its_own_namespace_and_execs_obs(tmp_path) -> None:
    root = tmp_path / "obs-sid"
    runtime = rt.ObsRuntime("32.2", "sid", root, (32, 2, 2))
    lab_dir = Path("/srv/labs/one")  # outside /tmp: bound too
    cmd = runtime.command(["obs", "--collection", "a b"],
                          [lab_dir, Path("/tmp/inside"), rt.CHECKOUT / "tests"])
    assert cmd[:5] == ["unshare", "--mount", "--propagation", "private", "--"]
    script = cmd[-1].splitlines()
    mounts = [line for line in script if line.startswith("mount ")]
    targets = [shlex.split(m)[-1] for m in mounts]
    binds = {shlex.split(m)[-2] for m in mounts if m.startswith("mount --bind ")}
    # children of a bound folder are covered by it: /tmp/inside, the checkout's tests, and the
    # checkout itself when it lies under /tmp (a CI clone may)
    wanted = {"/tmp", str(lab_dir)} | set(map(str, rt._outermost([Path("/tmp"), rt.CHECKOUT])))
    assert binds == wanted
    assert all(t.startswith(str(root) + "/") for t in targets)   # only inside the chroot
    assert {str(root / "dev"), str(root / "proc"), str(root / "sys")} <= set(targets)
    assert script[-1] == "exec " + shlex.join(["chroot", str(root), rt.OBS_BIN,
                                                "--collection", "a b"])
    assert (root / "srv" / "labs" / "one").is_dir()   # the mount point exists


def test_outermost_keeps_parents_only() -> None:
    got = rt._outermost([Path("/tmp/a/b"), Path("/tmp"), Path("/work/x"), Path("/work/x/y"),
                         Path("/tmp")])
    assert got == [Path("/tmp").resolve(), Path("/work/x")]


# -- what the lab writes and runs, per OBS version (no OBS started) -------------------------
def make_obs(tmp_path: Path, runtime: rt.ObsRuntime, cfg=None):
    from meetcast.lab.obs import Obs, ObsConfig

    return Obs(tmp_path, cfg or ObsConfig(), ":99", {"PULSE_SERVER": "unix:/x"}, "mic.monitor",
               "desk.monitor", 4567, "pw-secret", "rtmp://127.0.0.1:1/live", "key", runtime)


HOST_29 = rt.ObsRuntime("29", None, None, (29, 0, 2))
SID_32 = rt.ObsRuntime("32.2", "sid", Path("/var/cache/meetcast/obs-sid"), (32, 2, 2))
TRIXIE_30 = rt.ObsRuntime("30.2", "trixie", Path("/var/cache/meetcast/obs-trixie"), (30, 2, 3))


def test_websocket_settings_go_where_each_obs_reads_them(tmp_path: Path) -> None:
    import json

    old = make_obs(tmp_path / "29", HOST_29)
    old.write_config()
    ini = (old.config_dir / "global.ini").read_text()
    assert "[OBSWebSocket]\nServerEnabled=true\nServerPort=4567\n" in ini
    assert not (old.config_dir / "plugin_config").exists()
    for runtime in (TRIXIE_30, SID_32):
        new = make_obs(tmp_path / runtime.name, runtime)
        new.write_config()
        assert "[OBSWebSocket]" not in (new.config_dir / "global.ini").read_text()
        ws = json.loads((new.config_dir / "plugin_config" / "obs-websocket" / "config.json")
                        .read_text())
        assert ws == {"server_enabled": True, "server_port": 4567, "auth_required": True,
                      "server_password": "pw-secret", "first_load": False,
                      "alerts_enabled": False}


def test_a_collection_is_opened_by_the_name_inside_it(tmp_path: Path) -> None:
    """OBS 32 finds a collection only by its JSON name (29's --collection also matches it):
    the lab passes that name, and the generated collection's name is its file stem."""
    import json

    from meetcast.lab.obs import ObsConfig

    generated = make_obs(tmp_path / "gen", SID_32)
    generated.write_config()
    doc = json.loads((generated.scenes_dir / "meetcast-lab.json").read_text())
    assert doc["name"] == generated.collection == "meetcast-lab"
    exported = tmp_path / "meetcast-linux.json"
    exported.write_text(json.dumps({"name": "meetcast", "sources": []}))
    given = make_obs(tmp_path / "given", SID_32, ObsConfig(collection_file=exported))
    given.write_config()
    ini = (given.config_dir / "global.ini").read_text()
    assert given.collection == "meetcast"
    assert "SceneCollection=meetcast\nSceneCollectionFile=meetcast-linux\n" in ini
    assert (given.scenes_dir / "meetcast-linux.json").exists()


@pytest.mark.parametrize(("runtime", "flag"), [(HOST_29, False), (TRIXIE_30, True),
                                                (SID_32, False)])
def test_the_shutdown_check_flag_only_where_it_exists(tmp_path: Path, monkeypatch, runtime,
                                                      flag: bool) -> None:
    from meetcast.lab import obs as obs_mod

    seen: list[list[str]] = []
    monkeypatch.setattr(obs_mod, "spawn", lambda argv, *a, **k: seen.append(argv))
    monkeypatch.setattr(rt.ObsRuntime, "command", lambda self, argv, binds: argv)
    o = make_obs(tmp_path, runtime)
    o.write_config()
    mark = o.home / ".config" / "obs-studio" / ".sentinel"
    mark.mkdir(parents=True)   # a killed OBS 32 left its "running" mark
    (mark / "run_x").write_text("")
    o.start()
    assert ("--disable-shutdown-check" in seen[0]) is flag
    assert seen[0][seen[0].index("--collection") + 1] == "meetcast-lab"
    assert not mark.exists() or runtime is not SID_32
