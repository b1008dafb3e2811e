"""Shared fixtures: one real OBS lab for the whole session, and the checks that every test
using it gets for free (no Python error from our script appears in OBS's log while it runs).

Tests that change OBS put it back (``reset_lab`` does the common part); tests that need an OBS
of their own (another collection, a restart) use ``lab_factory``.

Which OBS runs is ``MEETCAST_OBS`` (29 | 30.2 | 32.2; ``meetcast.lab.obs_runtime``), shown in
the session header; ``lab.obs_version`` tells a test which one it got. Every test that uses a
lab fixture is marked ``obs`` here, so ``-m obs`` is exactly the tests that start OBS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meetcast.lab import Lab, LabError, LabReport, ObsConfig, python_errors
from meetcast.lab.checks import assert_clean_exit
from meetcast.lab.obs_runtime import ENV_VAR, select

ROOT = Path(__file__).resolve().parents[1]
# Fixtures that start a real OBS: a test using one is an `obs` test, marked or not.
LAB_FIXTURES = frozenset({"lab", "lab_factory", "baseline_leaks"})
# What the lab subprocesses (``meetcast lab``) need to run the same OBS as this session.
LAB_ENV = (ENV_VAR, "MEETCAST_CHROOT_DIR")


def pytest_report_header(config: pytest.Config) -> str:
    """Which OBS this run's labs start, so every pytest summary says what it tested."""
    try:
        return f"meetcast lab: {select().describe()} ({ENV_VAR}={select().name})"
    except LabError as exc:
        return f"meetcast lab: {exc}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses a lab fixture ``obs`` (before ``-m`` selects), so the OBS
    runs on newer versions (``-m obs``) cannot miss an unmarked one."""
    for item in items:
        if LAB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.obs)


def stop_cleanly(start: Callable[[], Lab], attempts: int = 3) -> LabReport:
    """Start and stop a lab until OBS exits cleanly, so a leak count exists.

    Debian's OBS 29 sometimes crashes in Qt while shutting down, script or not (see
    ``meetcast.lab.obs.SHUTDOWN_CRASH``); only that crash is retried, and at most
    ``attempts`` times. Anything else is returned for the caller to judge."""
    for _ in range(attempts):
        report = start().stop()
        if not report.crashed_in_shutdown:
            return report
    return report


@pytest.fixture(scope="session")
def baseline_leaks() -> int:
    """``Number of memory leaks`` of this machine's OBS with no script at all, measured."""
    report = stop_cleanly(lambda: Lab(with_script=False).start())
    assert report.leaks is not None, "OBS alone did not exit cleanly"
    return report.leaks


@pytest.fixture(scope="session")
def lab_factory(tmp_path_factory: pytest.TempPathFactory, baseline_leaks: int
                ) -> Iterator[Callable[..., Lab]]:
    """Start extra labs; each is stopped at the end and checked like the shared one."""
    started: list[Lab] = []

    def make(cfg: ObsConfig | None = None, with_script: bool = True) -> Lab:
        lab = Lab(cfg, with_script=with_script,
                  workdir=tmp_path_factory.mktemp("lab")).start()
        started.append(lab)
        return lab

    yield make
    for lab in started:
        lab.stop()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, baseline_leaks: int) -> Iterator[Lab]:
    """The shared lab: OBS with meetcast's script, microphone, ingest."""
    the_lab = Lab(workdir=tmp_path_factory.mktemp("shared-lab")).start()
    try:
        yield the_lab
    finally:
        report = the_lab.stop()
    assert_clean_exit(report, baseline_leaks)


@pytest.fixture(autouse=True)
def _no_new_script_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that uses the shared lab fails if our script logged a Python error meanwhile."""
    if "lab" not in request.fixturenames:
        yield
        return
    shared: Lab = request.getfixturevalue("lab")
    before = len(python_errors(shared.log()))
    yield
    new = python_errors(shared.log())[before:]
    assert not new, "Python errors from the script during this test:\n" + "\n".join(new)


@pytest.fixture
def run_meetcast() -> Callable[..., subprocess.CompletedProcess]:
    """Run the real ``meetcast`` command in a subprocess (as a user would)."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
            input: str | None = None) -> subprocess.CompletedProcess:
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith("MEETCAST_") or k in LAB_ENV}
        full_env.update(env or {})
        return subprocess.run([sys.executable, "-m", "meetcast.cli", *args], env=full_env,
                              capture_output=True, text=True, timeout=timeout, input=input)

    return run
