"""The audio chains in the real OBS: the script puts them on the picked sources at load, keeps
the user's filters where they were, fixes stale/duplicate meetcast filters, re-applies as a
no-op, removes only its own when switched off — and the chain audibly works: recorded noise
in pauses is far lower and a quiet input comes out louder than without it. The script drives
the Leveller's gain from what it hears, and lets go of it (meter, timer) when it goes."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from meetcast import audio_filters
from meetcast.lab import SCRIPT, Lab, ObsConfig, audio_run, signals
from meetcast.lab.checks import assert_clean_exit
from meetcast.lab.obs import audio_device, scene_source
from meetcast_core import audio_chain as ac
from meetcast_core.leveller import MAX_STEP_S, settings_from
from meetcast_core.names import (
    DESKTOP_SOURCE,
    FILTER_PREFIX,
    LEVELLER_SETTINGS_KEY,
    LEVELLER_STEP,
    MIC_SOURCE,
)

pytestmark = pytest.mark.obs

VOICE = ac.resolve(ac.load_named("voice"))
ZOOM = ac.resolve(ac.load_named("zoom"))


def filter_list(lab: Lab, source: str) -> list[ac.Existing]:
    with lab.link() as link:
        return audio_filters.existing(link, source)


def assert_chain(filters: list[ac.Existing], chain: list[ac.FilterSpec]) -> None:
    ours = [f for f in filters if f[0].startswith(FILTER_PREFIX)]
    assert [(n, k) for n, k, _ in ours] == [(d.name, d.kind) for d in chain]
    for (_, _, have), want in zip(ours, chain, strict=True):
        assert want.settings.items() <= have.items()


def test_script_puts_voice_on_mic_and_zoom_on_desktop(lab: Lab) -> None:
    assert_chain(filter_list(lab, MIC_SOURCE), VOICE)
    assert_chain(filter_list(lab, DESKTOP_SOURCE), ZOOM)
    assert "Mic/Aux: 'voice' chain: add meetcast: Noise Suppression" in lab.log()


def _filter(kind: str, name: str, settings: dict) -> dict:
    return {"id": kind, "versioned_id": kind, "name": name, "enabled": True,
            "settings": settings, "mixers": 0, "flags": 0, "volume": 1.0,
            "private_settings": {}, "hotkeys": {}}


def _collection(tmp: Path, script_settings: dict, mic_filters: list[dict]) -> Path:
    """A saved collection as a user would have it: their own filters and an older meetcast's."""
    mic = audio_device("pulse_input_capture", MIC_SOURCE, "meetcast_mic.monitor")
    mic["filters"] = mic_filters
    doc = {"name": "audio-user", "current_scene": "Scene", "current_program_scene": "Scene",
           "scene_order": [{"name": "Scene"}], "sources": [scene_source("Scene")],
           "groups": [], "AuxAudioDevice1": mic,
           "DesktopAudioDevice1": audio_device("pulse_output_capture", DESKTOP_SOURCE,
                                               "meetcast_desktop.monitor"),
           "transitions": [], "current_transition": "Cut", "transition_duration": 300,
           "quick_transitions": [], "saved_projectors": [],
           "modules": {"scripts-tool": [{"path": str(SCRIPT), "settings": script_settings}]}}
    path = tmp / "audio-user.json"
    path.write_text(json.dumps(doc))
    return path


USERS = [_filter("gain_filter", "My Gain", {"db": 3.0}),
         _filter("limiter_filter", FILTER_PREFIX + "Limiter", {"threshold": -9.0}),  # stale
         _filter("limiter_filter", FILTER_PREFIX + "Limiter", {"threshold": -9.0}),  # dup
         _filter("gain_filter", FILTER_PREFIX + "Old Step", {"db": 6.0}),  # no longer used
         _filter("basic_eq_filter", "My EQ", {"low": 1.0})]


def test_user_filters_stay_stale_ones_fixed_reapply_is_noop(lab_factory, tmp_path: Path,
                                                            baseline_leaks: int) -> None:
    lab = lab_factory(ObsConfig(collection_file=_collection(tmp_path, {}, USERS)))
    filters = filter_list(lab, MIC_SOURCE)
    # meetcast's filters fill the places meetcast's had (positions 2-4) in chain order, the
    # one left over goes right after them; the user's gain and EQ keep their places
    assert [n for n, _, _ in filters] == ["My Gain", *[d.name for d in VOICE], "My EQ"]
    assert filters[0][2] == {"db": 3.0} and filters[-1][2] == {"low": 1.0}
    assert_chain(filters, VOICE)
    lab.restart_obs()  # loads the saved result: applying again must change nothing
    assert filter_list(lab, MIC_SOURCE) == filters
    assert lab.log().count("Mic/Aux: 'voice' chain:") == 1
    assert_clean_exit(lab.stop(), baseline_leaks)


def test_switched_off_removes_only_meetcasts(lab_factory, tmp_path: Path,
                                             baseline_leaks: int) -> None:
    cfg = ObsConfig(collection_file=_collection(tmp_path, {"audio_enabled": False}, USERS))
    lab = lab_factory(cfg)
    assert [n for n, _, _ in filter_list(lab, MIC_SOURCE)] == ["My Gain", "My EQ"]
    assert not [f for f in filter_list(lab, DESKTOP_SOURCE) if f[0].startswith(FILTER_PREFIX)]
    assert_clean_exit(lab.stop(), baseline_leaks)


def test_chain_cleans_and_levels_in_obs(lab: Lab, tmp_path: Path) -> None:
    """A quiet, noisy input (speech peaks -30 dBFS) through OBS with and without the chain.

    The same few seconds of speech, each preceded by a second of the same speaker (the
    leveller adapts to a speaker, as it would in the first words of a talk).
    """
    clean = signals.speech(signals.PHRASES[:2], pause_s=0.8)
    quiet = [signals.make("stationary", -30.0, clean=clean)]
    with_chain = audio_run.run(lab, quiet, tmp_path / "with", warmup_s=2.0)[0]
    with lab.link() as link:
        audio_filters.apply_chain(link, MIC_SOURCE, None)
    try:
        without = audio_run.run(lab, quiet, tmp_path / "without", warmup_s=2.0)[0]
    finally:
        with lab.link() as link:  # put back what the script had put there
            audio_filters.apply_specs(link, MIC_SOURCE, VOICE)
    assert_chain(filter_list(lab, MIC_SOURCE), VOICE)
    # far less noise in the pauses, counted against the speech (not a mere gain change) ...
    assert with_chain.snr_gain_db >= without.snr_gain_db + 20, (with_chain.out, without.out)
    # In absolute terms too, although the chain lifts this quiet speaker by about 24 dB: the
    # pauses here are short, and what is left in them is mostly the last word's tail, lifted
    # with the speech (-75.6 to -97.4 dBFS measured against -60 without the chain).
    assert with_chain.out.noise_dbfs <= without.out.noise_dbfs - 12
    # ... the quiet speaker comes out louder, and the ceiling holds
    assert with_chain.out.speech_dbfs >= without.out.speech_dbfs + 10, (with_chain.out,
                                                                        without.out)
    assert with_chain.out.peak_dbfs <= -1.0


LEVELLER = FILTER_PREFIX + LEVELLER_STEP
VOICE_LEVELLER = next(f for f in VOICE if f.name == LEVELLER).settings[LEVELLER_SETTINGS_KEY]


def leveller_db(lab: Lab) -> float:
    with lab.link() as link:
        f = link.call("GetSourceFilter", {"sourceName": MIC_SOURCE, "filterName": LEVELLER})
    return float(f["filterSettings"].get("db", 0.0))


def play_watching_gain(lab: Lab, sig: signals.TestSignal, wav: Path
                       ) -> list[tuple[float, float]]:
    """Play ``sig`` into the microphone; (time, Leveller gain setting), 4 times a second."""
    player = lab.pulse.play(signals.write_wav(wav, sig.noisy))
    gains = []
    while player.poll() is None:
        time.sleep(0.25)
        gains.append((time.monotonic(), leveller_db(lab)))
    assert player.returncode == 0
    return gains


def test_leveller_gain_follows_the_speaker(lab: Lab, tmp_path: Path) -> None:
    """The script sets the Leveller from what it hears: a loud speaker (speech peaks -6 dBFS,
    about -24 LUFS) gets about +8 dB to reach -16 LUFS, a quiet one (-30 dBFS) about 24 dB
    more, found within seconds."""
    assert f"leveller: driving '{LEVELLER}' on {MIC_SOURCE}" in lab.log()
    clean = signals.speech(signals.PHRASES[:2], pause_s=0.5)
    loud = play_watching_gain(lab, signals.make("stationary", -6.0, clean=clean),
                              tmp_path / "loud.wav")
    quiet = play_watching_gain(lab, signals.make("stationary", -30.0, clean=clean),
                               tmp_path / "quiet.wav")
    assert loud[-1][1] <= 12.0, loud
    assert quiet[-1][1] >= loud[-1][1] + 15.0, (loud, quiet)
    # no jumps: never faster than the leveller allows far from its target (a new speaker),
    # plus one late tick: we poll from outside
    slew = settings_from(VOICE_LEVELLER).far_slew_db_per_s
    for (t0, g0), (t1, g1) in itertools.pairwise(loud + quiet):
        assert abs(g1 - g0) <= slew * (t1 - t0 + MAX_STEP_S), (loud, quiet)


def wait_log(lab: Lab, cond: Callable[[str], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond(lab.log()):
        assert time.monotonic() < deadline, f"not in OBS's log within {timeout} s: {what}"
        time.sleep(0.1)


def test_leveller_lets_go_on_removal_and_unload(lab_factory, baseline_leaks: int) -> None:
    """Removing the Leveller releases its meter; one put back over the websocket (as the
    benchmark does) is driven again; unloading releases the rest: no leak at exit."""
    lab = lab_factory()
    driving = f"leveller: driving '{LEVELLER}' on {MIC_SOURCE}"
    stopped = f"leveller: stopped on {MIC_SOURCE} (meter released)"
    wait_log(lab, lambda log: driving in log, driving)
    with lab.link() as link:
        audio_filters.apply_chain(link, MIC_SOURCE, None)
    wait_log(lab, lambda log: stopped in log, stopped)
    with lab.link() as link:
        audio_filters.apply_specs(link, MIC_SOURCE, VOICE)
    wait_log(lab, lambda log: log.count(driving) == 2, "driven again")
    report = lab.stop()
    assert_clean_exit(report, baseline_leaks)  # no Python error, leaks not above OBS alone
    assert report.log.count(stopped) == 2  # the removal, then the unload
