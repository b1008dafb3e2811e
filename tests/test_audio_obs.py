"""The audio chains in the real OBS: the script puts them on the picked sources at load, keeps
the user's filters where they were, fixes stale/duplicate meetcast filters, re-applies as a
no-op, removes only its own when switched off — and the chain audibly works: recorded noise
in pauses is far lower and a quiet input comes out louder than without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meetcast import audio_filters
from meetcast.lab import SCRIPT, Lab, ObsConfig, audio_run, signals
from meetcast.lab.checks import assert_clean_exit
from meetcast.lab.obs import audio_device, scene_source
from meetcast_core import audio_chain as ac
from meetcast_core.names import DESKTOP_SOURCE, FILTER_PREFIX, MIC_SOURCE

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
    assert with_chain.out.noise_dbfs <= without.out.noise_dbfs - 20
    # ... the quiet speaker comes out louder, and the ceiling holds
    assert with_chain.out.speech_dbfs >= without.out.speech_dbfs + 10, (with_chain.out,
                                                                        without.out)
    assert with_chain.out.peak_dbfs <= -1.0
