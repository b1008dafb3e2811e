"""The config file validated whole before anything connects (issue 14): every fault one line
naming the file and key, exit 2, and no connection made; a MEETCAST_CONFIG that names no file
is a fault; a password in a file others can read draws a warning without the password."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import ws_peer  # tests/ws_peer.py: pytest puts this folder on sys.path

from meetcast.config_file import check_config

SECRET = "pw-never-shown-91c2"

TYPOS = '''
[obs]
hots = "127.0.0.1"
prot = 4455
timeout = "x"

[wach]
cost_per_hour = 1

[helth]
low_kbps = 1

[watch]
interval = 0

[health]
low_fraction = 2

[auto_brb]
enabled = "yes"
'''


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def counting_port():
    """A port that counts the connections made to it (and closes them)."""
    seen = []
    lock = threading.Lock()

    def handle(conn) -> None:
        with lock:
            seen.append(1)

    with ws_peer.serve(handle) as port:
        yield port, seen


def test_every_fault_is_one_line_and_nothing_connects(tmp_path, run_meetcast,
                                                      counting_port) -> None:
    port, seen = counting_port
    cfg = write(tmp_path, TYPOS)
    r = run_meetcast("status", "--host", "127.0.0.1", "--port", str(port),
                     env={"MEETCAST_CONFIG": str(cfg), "MEETCAST_PASSWORD": SECRET})
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and SECRET not in r.stderr
    assert all(line.startswith(f"meetcast: {cfg}: ") for line in lines), lines
    expected = [
        "[obs] hots: unknown key (allowed: url, host, port, password, timeout); did you mean "
        "host?",
        "[obs] prot: unknown key (allowed: url, host, port, password, timeout); did you mean "
        "port?",
        "[obs] timeout: expected a number, got str 'x'",
        "[wach]: unknown section (allowed: obs, watch, health, auto_brb); did you mean watch?",
        "[helth]: unknown section (allowed: obs, watch, health, auto_brb); did you mean health?",
        "[watch] interval: 0 is out of range (allowed: 0.1..10)",
        "[health] low_fraction: 2 is out of range (allowed: 0..1)",
        "[auto_brb] enabled: expected true or false, got str 'yes'",
    ]
    assert [line.removeprefix(f"meetcast: {cfg}: ") for line in lines] == expected
    assert seen == []  # validated before anything connected


@pytest.mark.parametrize(("text", "needle"), [
    ('[obs]\ntimeout = -1\n', "[obs] timeout: must be a number of seconds 0.1..600, got -1"),
    ('[obs]\nport = 0\n', "[obs] port: must be a port number 1..65535, got 0"),
    ('[obs]\nurl = "obsws://[::1/x"\n', "[obs] url: not a URL (Invalid IPv6 URL)"),
    ('[obs]\nhost = "\u202eevil"\n', "[obs] host: “\\u202eevil” is not a host name"),
    ('[obs\n', "not valid TOML"),
    ('obs = 3\n', "[obs]: expected a mapping"),
])
def test_bad_values_are_one_line_exit_2(tmp_path, run_meetcast, text, needle) -> None:
    cfg = write(tmp_path, text)
    r = run_meetcast("status", env={"MEETCAST_CONFIG": str(cfg)})
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert needle in lines[0] and "Traceback" not in r.stderr and "\u202e" not in r.stderr


def test_a_missing_meetcast_config_is_an_error(tmp_path, run_meetcast) -> None:
    missing = tmp_path / "nope.toml"
    r = run_meetcast("status", env={"MEETCAST_CONFIG": str(missing)})
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"meetcast: MEETCAST_CONFIG={missing}: no such file"


def test_the_default_file_may_be_absent(tmp_path, run_meetcast) -> None:
    """No file at ~/.config/meetcast/config.toml is fine: defaults (and nothing listens)."""
    r = run_meetcast("status", "--port", "9", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert r.returncode == 1 and "nothing is listening" in r.stderr, r.stderr


@pytest.mark.parametrize(("mode", "text", "warned"), [
    (0o644, f'[obs]\npassword = "{SECRET}"\n', True),
    (0o640, f'[obs]\nurl = "obsws://127.0.0.1:9/{SECRET}"\n', True),
    (0o600, f'[obs]\npassword = "{SECRET}"\n', False),
    (0o644, '[watch]\ncost_per_hour = 1.2\n', False),  # nothing secret in it
])
def test_a_password_others_can_read_draws_a_warning(tmp_path, run_meetcast, mode, text,
                                                    warned) -> None:
    cfg = write(tmp_path, text, mode)
    r = run_meetcast("status", "--port", "9", env={"MEETCAST_CONFIG": str(cfg)})
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    assert SECRET not in r.stderr + r.stdout
    assert r.returncode == 1  # the warning does not stop it; nothing listens on port 9
    if warned:
        assert warnings == [f"meetcast: warning: {cfg} holds the OBS password and other users "
                            f"can read it (mode {mode:04o}): chmod 600 {cfg}"]
    else:
        assert warnings == []


def test_the_documented_example_is_valid() -> None:
    """The config keys block in docs/controller.md passes the schema as it is."""
    import tomllib

    doc = (Path(__file__).resolve().parents[1] / "docs" / "controller.md").read_text()
    block = doc.split("## Config file keys", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    data = tomllib.loads(block)
    assert check_config(data, "doc") == []  # [obs.backup] too (several OBS)
    assert "backup" in data["obs"]
