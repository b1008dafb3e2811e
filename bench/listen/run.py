"""The OBS side of the listener bench: a fresh lab per run and configuration, every scene in one
stream, the Leveller started afresh before each scene, the recording kept for measuring.

A fresh lab is a cold OBS: new config directory, the script's chain applied at load, the
Leveller's gain at the filter's default (0 dB), nothing heard yet. That is what the first scene
of each stream meets. Before each later scene the bench removes the Leveller filter and puts it
back (the script then drops its meter and starts a new leveller, exactly as at a fresh start),
in the silence between scenes, so every scene's first speaker is a cold start for the
leveller; only OBS itself is warm there (its first streams are where it inserts ticks).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from meetcast import audio_filters
from meetcast.lab import Lab, ObsConfig, programme, scenes
from meetcast_core import audio_chain as ac
from meetcast_core.names import DESKTOP_SOURCE, LEVELLER_STEP, MIC_SOURCE, filter_name

LEVELLER = filter_name(LEVELLER_STEP)


def configs(chain_path: Path) -> dict[str, list[ac.FilterSpec]]:
    """What is compared: no filters, OBS's RNNoise alone, the chain, and (diagnostics) the
    chain's noise suppression alone — no Leveller, so also no meter and no script at work —
    and the chain with a fixed +20 dB gain in the Leveller's place (no meter either)."""
    chain = ac.resolve(ac.load(chain_path), ac.BUILTIN_METHODS)
    rnnoise = [ac.FilterSpec(filter_name("RNNoise (OBS alone)"), ac.NOISE_SUPPRESS,
                             {"method": "rnnoise"})]
    fixed = [ac.FilterSpec(filter_name("Fixed Gain"), ac.GAIN, {"db": 20.0})
             if f.name == LEVELLER else f for f in chain]
    return {"none": [], "rnnoise": rnnoise, "meetcast": chain,
            "ns-only": [f for f in chain if f.kind == ac.NOISE_SUPPRESS],
            "fixed-gain": fixed}


class GainTrace:
    """The Leveller's gain setting, 4 times a second, to put beside an odd figure."""

    def __init__(self, lab: Lab, source: str) -> None:
        self.lab, self.source, self.points = lab, source, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> GainTrace:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _poll(self) -> None:
        t0 = time.monotonic()
        with self.lab.link() as link:
            while not self._stop.wait(0.25):
                try:
                    f = link.call("GetSourceFilter", {"sourceName": self.source,
                                                      "filterName": LEVELLER})
                except Exception:  # no Leveller in this configuration, or re-created now
                    continue
                self.points.append((time.monotonic() - t0,
                                    float(f["filterSettings"].get("db", 0.0))))


def _wait_log(lab: Lab, text: str, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while lab.log().count(text) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not in OBS's log {count}x within {timeout:.0f} s: {text}")
        time.sleep(0.05)


def fresh_leveller(lab: Lab, source: str, specs: list[ac.FilterSpec]) -> None:
    """Remove the Leveller and put it back at its place: the script starts a new leveller."""
    driving = f"leveller: driving '{LEVELLER}' on {source}"
    stopped = f"leveller: stopped on {source} (meter released)"
    n_drive, n_stop = lab.log().count(driving), lab.log().count(stopped)
    with lab.link() as link:
        link.call("RemoveSourceFilter", {"sourceName": source, "filterName": LEVELLER})
        _wait_log(lab, stopped, n_stop + 1)
        audio_filters.apply_specs(link, source, specs)
    _wait_log(lab, driving, n_drive + 1)


@dataclass
class Take:
    """One stream: a configuration's run over all scenes, as recorded."""

    config: str
    run: int
    recording: np.ndarray
    placed: list[programme.Placed]
    gains: list[tuple[float, float]]
    leaks: int | None
    seconds: float


def take(config: str, specs: list[ac.FilterSpec], run: int, rendered: list[scenes.Rendered],
         workdir: Path, desktop: bool = False) -> Take:
    """A fresh lab, the configuration's filters on the source, every scene in one stream."""
    t0 = time.monotonic()
    source = DESKTOP_SOURCE if desktop else MIC_SOURCE
    cfg = ObsConfig(base_size=(320, 180), output_size=(320, 180), fps=10, video_kbps=300)
    leveller = any(f.name == LEVELLER for f in specs)
    workdir.mkdir(parents=True, exist_ok=True)
    with Lab(cfg, with_script=True) as lab:
        with lab.link() as link:
            audio_filters.apply_specs(link, source, specs)
        between = (lambda i: fresh_leveller(lab, source, specs)) if leveller else None
        with GainTrace(lab, source) as trace:
            recording, starts = programme.stream(lab, [r.noisy for r in rendered], workdir,
                                                 desktop=desktop, between=between)
        report = lab.stop()
    (workdir / "obs.log").write_text(report.log)
    placed = programme.place(recording, [r.clean for r in rendered], starts)
    np.save(workdir / "recording.npy", recording.astype(np.float32))
    (workdir / "take.json").write_text(json.dumps({
        "config": config, "run": run, "scenes": [r.scene.name for r in rendered],
        "offsets": [p.offset for p in placed],
        "starts": starts, "gains": trace.points, "leaks": report.leaks}))
    seconds = time.monotonic() - t0
    print(f"run {run + 1} {config}: {seconds:.0f} s (OBS leaks at exit: {report.leaks})",
          file=sys.stderr)
    return Take(config, run, recording, placed, trace.points, report.leaks, seconds)


def load_take(workdir: Path) -> Take:
    """A take saved by :func:`take` (measure again without OBS: ``--from DIR``)."""
    meta = json.loads((workdir / "take.json").read_text())
    rec = np.load(workdir / "recording.npy").astype(float)
    placed = [programme.Placed(o, s) for o, s in zip(meta["offsets"], meta["starts"],
                                                     strict=True)]
    return Take(meta["config"], meta["run"], rec, placed, [tuple(g) for g in meta["gains"]],
                meta["leaks"], 0.0)
