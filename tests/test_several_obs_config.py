"""``[obs.<name>]`` sections and ``--obs NAME|all`` without any OBS (issue 15, part 3): the
sections validated whole with the ``[obs]`` schema, bad names refused one line each, exit 2,
nothing connected; ``--obs`` resolved against the file; the record's v2 lines."""

from __future__ import annotations

import tomllib

import pytest
from test_config_file import SECRET, counting_port, write  # noqa: F401 (a fixture)

from meetcast.config_file import check_config
from meetcast.connection import resolve, resolve_named
from meetcast.obs_targets import on_air, pick
from meetcast_core.stream import record

TWO = '''
[obs]
timeout = 3

[obs.main]
url = "obsws://10.0.0.1:4455/pw-main"

[obs.backup]
host = "10.0.0.2"
port = 4456
password = "pw-backup"
timeout = 7
'''


def test_named_sections_resolve_each_on_its_own() -> None:
    config = tomllib.loads(TWO)
    assert check_config(config, "c.toml") == []
    main, backup = (resolve_named(n, config=config) for n in pick(config, "all"))
    assert (main.name, main.host, main.port, main.password, main.timeout) == \
        ("main", "10.0.0.1", 4455, "pw-main", 3.0)  # [obs]'s timeout
    assert (backup.name, backup.host, backup.port, backup.password, backup.timeout) == \
        ("backup", "10.0.0.2", 4456, "pw-backup", 7.0)
    assert "pw-main" not in repr(main) and str(main) == "10.0.0.1:4455"
    # without --obs: the single [obs], as before (its keys only; here: defaults)
    single = resolve(env={}, config=config)
    assert (single.name, single.host, single.port, single.timeout) == \
        (None, "localhost", 4455, 3.0)


@pytest.mark.parametrize(("wanted", "names"), [
    (None, None), ("all", ["main", "backup"]), ("ALL", ["main", "backup"]),
    ("main", ["main"]), ("Backup", ["backup"]),
])
def test_pick(wanted, names) -> None:
    assert pick(tomllib.loads(TWO), wanted) == names


@pytest.mark.parametrize(("config", "wanted", "needle"), [
    (TWO, "spare", "--obs spare: no [obs.spare] in the config file (there are: main, backup; "
                   "or --obs all)"),
    ("[obs]\nhost = \"x\"\n", "all", "the config file has no [obs.<name>] sections"),
    (TWO, "\u202emain", "--obs \\u202emain: no [obs.\\u202emain]"),
])
def test_pick_refuses_in_one_line(config, wanted, needle) -> None:
    with pytest.raises(ValueError, match=None) as got:
        pick(tomllib.loads(config), wanted)
    assert needle in str(got.value) and "\n" not in str(got.value)
    assert "\u202e" not in str(got.value)


BAD = f'''
[obs.all]
host = "a"

[obs."two words"]
host = "b"

[obs.main]
hots = "c"
url = "obsws://[::1/{SECRET}"

[obs.backup]
port = 0
'''


def test_bad_sections_and_names_are_one_line_each_exit_2(tmp_path, run_meetcast,
                                                         counting_port) -> None:  # noqa: F811
    port, seen = counting_port
    cfg = write(tmp_path, BAD)
    r = run_meetcast("status", "--obs", "all", env={"MEETCAST_CONFIG": str(cfg)})
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and SECRET not in r.stderr
    got = [x.removeprefix(f"meetcast: {cfg}: ") for x in r.stderr.strip().splitlines()]
    assert got == [
        "[obs.all]: “all” is reserved (--obs all means every OBS): pick another name",
        "[obs.two words]: not a name for an OBS (letters, digits, '-' and '_', 32 at most, "
        "starting with a letter or digit)",
        "[obs.main] hots: unknown key (allowed: url, host, port, password, timeout); did you "
        "mean host?",
        "[obs.main] url: not a URL (Invalid IPv6 URL): expected obsws://host:port/password "
        "(IPv6: obsws://[::1]:4455/password)",
        "[obs.backup] port: must be a port number 1..65535, got 0",
    ]
    # the same faults without --obs: the whole file is checked by every command
    r = run_meetcast("status", "--port", str(port), env={"MEETCAST_CONFIG": str(cfg)})
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 5, r.stderr
    assert seen == []


def test_obs_flag_needs_a_section_and_refuses_host(tmp_path, run_meetcast) -> None:
    cfg = write(tmp_path, TWO)
    env = {"MEETCAST_CONFIG": str(cfg)}
    r = run_meetcast("switch", "--obs", "spare", "BRB", env=env)
    assert (r.returncode, r.stderr.strip()) == (2, "meetcast: --obs spare: no [obs.spare] in "
                                                "the config file (there are: main, backup; "
                                                "or --obs all)")
    r = run_meetcast("stream", "stop", "--obs", "main", "--host", "x", env=env)
    assert r.returncode == 2 and "--host/--port point at the single [obs]" in r.stderr
    # nothing listens at these addresses: each OBS's failure is its own line, code 1
    r = run_meetcast("stream", "stop", "--obs", "all", "--timeout", "0.5", env=env)
    assert r.returncode == 1, r.stderr
    assert sorted(x.split(":")[1] for x in r.stderr.splitlines()) == [" backup", " main"]


def test_password_in_a_named_section_others_can_read_is_warned(tmp_path, run_meetcast) -> None:
    cfg = write(tmp_path, f'[obs.main]\npassword = "{SECRET}"\nport = 9\nhost = "127.0.0.1"\n',
                0o644)
    r = run_meetcast("status", "--obs", "main", env={"MEETCAST_CONFIG": str(cfg)})
    assert SECRET not in r.stderr + r.stdout
    assert f"meetcast: warning: {cfg} holds the OBS password" in r.stderr
    assert r.returncode == 1 and "meetcast: main: nothing is listening" in r.stderr


def test_record_lines_of_a_named_obs_are_version_2_and_read_back() -> None:
    plain = record.sample_line(t=1.0, wall=2.0, age=0.0, health="OK")
    assert plain["v"] == record.PLAIN == 1 and "obs_name" not in plain  # as before
    line = record.named(plain, "backup")
    assert line["v"] == record.VERSION == 2 and line["obs_name"] == "backup"
    assert {k: v for k, v in line.items() if k not in ("v", "obs_name")} == \
        {k: v for k, v in plain.items() if k != "v"}
    got = list(record.read([record.dumps(plain), record.dumps(line)]))
    assert [x["v"] for x in got] == [2, 2]
    assert [x.get("obs_name") for x in got] == [None, "backup"]


def test_on_air_names_every_obs_streaming() -> None:
    assert on_air({"main": True, "backup": False}) == ["main"]
    assert on_air({"main": True, "backup": True}) == ["main", "backup"]
    assert on_air({"main": False}) == []


def streaming_view(active: bool):
    """A view of one OBS after two readings (live or not), from the real engine."""
    from meetcast_core.stream.engine import Engine, Reading
    from meetcast_core.stream.sample import Sample

    engine = Engine(start=0.0)
    view = None
    for t, sent in ((1.0, 0), (2.0, 300_000)):
        stream = {"outputActive": active, "outputBytes": sent if active else 0,
                  "outputDuration": t * 1000 if active else 0}
        view = engine.read(Reading(Sample.from_obs(t, stream, {"activeFps": 30.0}),
                                   scene="Zoom", scenes=("Zoom", "BRB")), t, t).view
    return view


def test_the_strip_and_the_plain_lines_say_which_obs_is_on_air() -> None:
    from meetcast.commands.watch import obs_tag
    from meetcast.web.messages import fleet_row

    live, idle = streaming_view(True), streaming_view(False)
    assert fleet_row("main", live)["on_air"] is True and fleet_row("main", live)["kbps"]
    assert fleet_row("backup", idle) == {"name": "backup", "health": "OFFLINE",
                                         "connected": True, "kbps": None, "on_air": False}
    assert fleet_row("backup", None)["connected"] is False  # not read yet
    assert obs_tag("main", live) == "main (on air)" and obs_tag("backup", idle) == "backup"
    assert obs_tag("\u202ex", None) == "\\u202ex"  # a name reaches the terminal as text


class FakeSession:
    """What web.actions uses of a Session: its view, switch, and its connection's name."""

    def __init__(self, name: str, scenes: tuple[str, ...]) -> None:
        from meetcast.connection import Connection

        self.conn = Connection(name=name)
        self.last = type("V", (), {"scenes": scenes})()
        self.switched: list[str] = []

    def switch(self, scene: str, by: str = "hand") -> float:
        self.switched.append(scene)
        return 0.0


def test_a_page_request_goes_to_every_obs_and_names_each() -> None:
    from meetcast.web.actions import perform_all

    main, backup = FakeSession("main", ("Zoom", "BRB")), FakeSession("backup", ("Zoom",))
    r = perform_all([main, backup], {"do": "switch", "scene": "Zoom"})
    assert r.ok and r.text == "main: “Zoom” on program; backup: “Zoom” on program"
    assert main.switched == backup.switched == ["Zoom"]
    r = perform_all([main, backup], {"do": "switch", "scene": "BRB"})
    assert not r.ok and r.text == "main: “BRB” on program; backup: no scene “BRB” in OBS"
    assert main.switched == ["Zoom", "BRB"] and backup.switched == ["Zoom"]
    one = perform_all([main], {"do": "switch", "scene": "Zoom"})
    assert one.ok and one.text == "“Zoom” on program"  # one OBS: as before


def test_each_obs_gets_its_own_engine_with_auto_brb(tmp_path, monkeypatch) -> None:
    """``watch --obs all --auto-brb``: one Session per OBS, each with an engine of its own
    (health, STALE, auto-BRB per OBS), each OBS not there yet starting as lost while the
    others are watched."""
    import argparse
    import socket

    from meetcast.commands.watch import make_sessions

    ports = []
    for _ in range(2):  # ports nobody listens on: both OBS are "not there yet"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[obs.main]\nurl = "obsws://127.0.0.1:{ports[0]}/"\n'
                   f'[obs.backup]\nurl = "obsws://127.0.0.1:{ports[1]}/"\n')
    monkeypatch.setenv("MEETCAST_CONFIG", str(cfg))
    for var in ("MEETCAST_URL", "MEETCAST_HOST", "MEETCAST_PORT", "MEETCAST_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    args = argparse.Namespace(obs="all", auto_brb=True, cost_per_hour=None, no_record=True,
                              record=None, host=None, port=None, timeout=None)
    sessions, _ = make_sessions(args)
    try:
        assert [s.conn.name for s in sessions] == ["main", "backup"]
        assert sessions[0].engine is not sessions[1].engine
        assert all(s.engine.brb.config.enabled for s in sessions)
        assert all(not s.connected for s in sessions)
    finally:
        for s in sessions:
            s.stop()
