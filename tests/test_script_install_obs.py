"""The bundle ``meetcast script install`` writes, loaded by a real OBS (issue 16, "shown when
resolved"): from an empty folder, 0 Python errors, the four scenes, and ``meetcast status``
showing the script's version beside the controller's; and a lab whose OBS cannot load the
script fails at start, naming the error, instead of coming up without it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import meetcast
from meetcast.lab import Lab, LabError, ObsConfig
from meetcast.lab.checks import assert_clean_exit
from meetcast_core import names
from meetcast_core.scene_list import dock_order

pytestmark = pytest.mark.obs


def _scenes(lab: Lab, timeout: float = 15.0) -> list[str]:
    deadline = time.monotonic() + timeout
    with lab.link() as link:
        while True:
            order = dock_order(link.call("GetSceneList"))
            if set(names.SHOW_SCENES) <= set(order) or time.monotonic() > deadline:
                return order
            time.sleep(0.1)


def test_installed_bundle_loads_in_obs_and_status_shows_its_version(
        tmp_path: Path, lab_factory, run_meetcast, baseline_leaks) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    r = run_meetcast("script", "install", str(folder / "obs_scripts"))
    assert r.returncode == 0, r.stderr
    script = folder / "obs_scripts" / "meetcast_obs.py"
    lab = lab_factory(ObsConfig(scripts=[script]))
    order = _scenes(lab)
    assert [s for s in order if s in names.SHOW_SCENES] == list(names.SHOW_SCENES)
    st = run_meetcast("status", "--json", env=lab.env())
    assert st.returncode == 0 and st.stderr == "", st.stderr
    info = json.loads(st.stdout)
    assert info["script_versions"] == [meetcast.__version__]
    assert info["script_ok"] and info["controller_version"] == meetcast.__version__
    text = run_meetcast("status", env=lab.env())
    assert f"meetcast script {meetcast.__version__} in OBS" in text.stdout
    report = lab.stop()
    assert f"Loaded python script: {script.name}" in report.log
    assert_clean_exit(report, baseline_leaks)  # 0 Python errors, no leaks of ours


def test_a_lab_whose_obs_cannot_load_the_script_fails_at_start(tmp_path: Path,
                                                              run_meetcast) -> None:
    r = run_meetcast("script", "install", str(tmp_path / "broken"))
    assert r.returncode == 0, r.stderr
    (tmp_path / "broken" / "meetcast_core" / "names.py").unlink()  # an incomplete copy
    (tmp_path / "lab").mkdir()
    lab = Lab(ObsConfig(scripts=[tmp_path / "broken" / "meetcast_obs.py"]),
              workdir=tmp_path / "lab")
    with pytest.raises(LabError) as err:
        lab.start()
    message = str(err.value)
    assert "did not load meetcast's script" in message
    assert "No module named 'meetcast_core.names'" in message
    assert lab.report is not None  # torn down: nothing left running
