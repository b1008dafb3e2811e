"""Play test signals into the lab's microphone, stream them through OBS, measure the recording.

The path is the real one: WAV → ``paplay`` into the ``meetcast_mic`` null sink → OBS's
"Mic/Aux" (with whatever filters it has) → OBS's AAC encoder → RTMP to the lab's nginx,
which records FLV → ffmpeg decodes → numpy. Desktop Audio is muted for the run so only the
microphone reaches the recording.

Several signals go into one stream, separated by silence: one stream start per configuration
instead of one per signal, and filters carry their state from one signal into the next, as
they would between speakers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from meetcast_core.names import DESKTOP_SOURCE, MIC_SOURCE

from . import audio_metrics as am
from .lab import Lab
from .pulse import MIC_SINK
from .signals import RATE, TestSignal, write_wav

GAP_S = 2.0  # silence between signals: filter release and the next alignment window
WARMUP_PAUSE_S = 0.0  # extra pause after the warm-up: its own 1 s trailing pause is enough
SETTLE_S = 1.5  # streaming before the first sample is played
SEARCH_S = 0.5  # each signal is searched for within this of where the schedule puts it


@dataclass(frozen=True)
class Result:
    signal: TestSignal
    out: am.Measurement
    inp: am.Measurement

    @property
    def snr_gain_db(self) -> float:
        return self.out.snr_db - self.inp.snr_db


def schedule(signals: list[TestSignal], warmup_s: float = 0.0,
             clean: bool = False) -> tuple[np.ndarray, list[int]]:
    """One WAV's samples for all signals, and where each (measured) signal starts in it.

    With ``warmup_s``, each signal is preceded by its own last ``warmup_s`` seconds and a
    normal pause: levelling filters adapt to a speaker, and a microphone's level does not
    jump 12 dB between sentences, so the measured part is the steady state, not the
    adaptation to the previous signal's level (which is measured separately, if wanted).
    """
    gap = np.zeros(int(GAP_S * RATE))
    pause = np.zeros(int(WARMUP_PAUSE_S * RATE))
    parts, starts, pos = [gap], [], len(gap)
    for s in signals:
        x = s.clean if clean else s.noisy
        if warmup_s > 0:
            lead = x[-int(warmup_s * RATE):]
            parts += [lead, pause]
            pos += len(lead) + len(pause)
        starts.append(pos)
        parts += [x, gap]
        pos += len(x) + len(gap)
    return np.concatenate(parts), starts


def wait_for(what: str, cond, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")


def stream_while(lab: Lab, play: Callable[[], None], on: str = MIC_SOURCE,
                 off: str = DESKTOP_SOURCE) -> np.ndarray:
    """Stream to the lab's ingest with only ``on`` audible (``off`` muted), run ``play`` from
    ``SETTLE_S`` after the stream is up, stop, and return the decoded recording."""
    before = set(lab.ingest.recordings())
    with lab.link(timeout=10) as link:
        link.call("SetInputMute", {"inputName": off, "inputMuted": True})
        link.call("SetInputMute", {"inputName": on, "inputMuted": False})
        link.call("StartStream")
        try:
            wait_for("the stream to start",
                     lambda: link.call("GetStreamStatus").get("outputActive"), 20)
            time.sleep(SETTLE_S)
            play()
        finally:
            link.call("StopStream")
            wait_for("the stream to stop",
                     lambda: not link.call("GetStreamStatus").get("outputActive"), 20)
    wait_for("the recording", lambda: set(lab.ingest.recordings()) - before, 10)
    new = sorted(set(lab.ingest.recordings()) - before, key=lambda p: p.stat().st_mtime)
    time.sleep(0.5)  # nginx finalises the FLV when the publisher leaves
    return am.decode(new[-1])


def play_wav(lab: Lab, wav: Path, seconds: float, sink: str = MIC_SINK) -> None:
    """Play ``wav`` (``seconds`` long) into a lab sink (the microphone's by default)."""
    player = lab.pulse.play(wav, sink)
    _, err = player.communicate(timeout=seconds + 30)
    if player.returncode != 0:
        raise RuntimeError(f"paplay failed: {err.decode(errors='replace').strip()}")


def record(lab: Lab, signals: list[TestSignal], workdir: Path,
           warmup_s: float = 0.0) -> np.ndarray:
    """Stream while playing ``signals`` into the microphone; the decoded recording."""
    samples = schedule(signals, warmup_s)[0]
    wav = write_wav(workdir / "input.wav", samples)

    def play() -> None:
        play_wav(lab, wav, len(samples) / RATE)
        time.sleep(0.5)

    return stream_while(lab, play)


def measure_all(recorded: np.ndarray, signals: list[TestSignal],
                warmup_s: float = 0.0) -> list[Result]:
    """Align each signal in the recording: the whole schedule first, then each near its slot.

    Aligning the whole schedule (every clean signal at its place, silence between) has one
    unambiguous peak even though the signals share the same speech; the second, local search
    follows any slow drift between the player's and OBS's clocks.
    """
    _, starts = schedule(signals, warmup_s)
    reference, _ = schedule(signals, warmup_s, clean=True)
    shift = am.align(recorded, reference)
    results: list[Result] = []
    for s, start in zip(signals, starts, strict=True):
        lo = max(0, start + shift - int(SEARCH_S * RATE))
        off = am.align(recorded, s.clean, lo, int(2 * SEARCH_S * RATE))
        results.append(Result(signal=s, out=am.measure(recorded, s.clean, off),
                              inp=am.input_measurement(s.noisy, s.clean)))
    return results


def run(lab: Lab, signals: list[TestSignal], workdir: Path, warmup_s: float = 0.0,
        keep: bool = False) -> list[Result]:
    """Record and measure; with ``keep``, the decoded recording stays in ``workdir`` as
    ``recording.npy`` (float32, RATE Hz), so an odd figure can be looked at afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    recorded = record(lab, signals, workdir, warmup_s)
    if keep:
        np.save(workdir / "recording.npy", recorded.astype(np.float32))
    return measure_all(recorded, signals, warmup_s)
