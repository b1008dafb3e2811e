"""How often a voice's meter packets peak at the ceiling, levelled and too loud, before and
after AAC: what the Leveller's squash rules have to tell apart, on OBS's 10 ms packets.

Why: inside OBS the meter reports the microphone after RNNoise in 10 ms packets (480 frames),
and the squash rules' shares (``leveller.Settings.squashed_share``, ``squash_window_share``)
were set on 1024-frame blocks. Each turn's clean speech (the second speaker of the scenes
where a louder one follows a quiet one) is brought to the target (speech RMS, as the meter
reads it) plus 0, 4, 13 and 21 dB, put through OBS's limiter at the chain's ceiling
(``sim.Limiter``), cut in packets, and the share of speech packets peaking within 1 dB
(``ceiling_margin_db``) and 4 dB (``squash_margin_db``) of the ceiling printed; once as is,
once through ffmpeg's AAC encoder and back (the replay's input is a recording after AAC).

    .venv/bin/python bench/listen/ceiling_shares.py [--packet 480]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "controller"), str(ROOT / "obs_scripts")]

import numpy as np  # noqa: E402

from listen import sim  # noqa: E402
from meetcast.lab import scenes  # noqa: E402
from meetcast.lab.signals import read_wav, write_wav  # noqa: E402

TARGET_RMS = -15.5  # -16 LUFS as the Leveller's meter reads speech (lufs_offset_db -0.5)
CEILING = -2.5
SCENES = ("room-us-quiet", "keys-us-quiet", "fan-ja-quiet", "talker-gb-quiet")


def through_aac(x: np.ndarray, tmp: Path) -> np.ndarray:
    """``x`` encoded with ffmpeg's AAC at 160 kbit/s and decoded, realigned (priming)."""
    write_wav(tmp / "x.wav", x)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(tmp / "x.wav"), "-c:a",
                    "aac", "-b:a", "160k", str(tmp / "x.m4a")], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(tmp / "x.m4a"), "-ac", "1",
                    "-ar", str(scenes.RATE), str(tmp / "y.wav")], check=True)
    y = read_wav(tmp / "y.wav")[1].astype(float)
    lag = int(np.argmax(np.correlate(y[:scenes.RATE], x[:scenes.RATE // 2], "valid")))
    return y[lag:lag + len(x)]


def shares(x: np.ndarray, excess_db: float, packet: int) -> tuple[float, float]:
    """(within 1 dB, within 4 dB of the ceiling): shares of the speech packets of ``x``
    brought ``excess_db`` above the target, after the limiter."""
    speech = x[np.abs(x) > 1e-4]
    gain = TARGET_RMS + excess_db - 20 * np.log10(np.sqrt(np.mean(speech ** 2)))
    y = sim.Limiter(CEILING, 60.0)(x * 10 ** (gain / 20))
    n = len(y) // packet
    blocks = y[: n * packet].reshape(n, packet)
    peak = 20 * np.log10(np.abs(blocks).max(1) + 1e-30)
    rms = 20 * np.log10(np.sqrt((blocks ** 2).mean(1)) + 1e-30)
    sp = rms > -50
    return float(np.mean(peak[sp] >= CEILING - 1)), float(np.mean(peak[sp] >= CEILING - 4))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--packet", type=int, default=480, help="frames per meter packet")
    args = p.parse_args()
    print("scene | excess dB | within 1 dB (as is / after AAC) | within 4 dB (as is / after AAC)")
    print("--- | --- | --- | ---")
    with tempfile.TemporaryDirectory() as d:
        for name in SCENES:
            r = scenes.render(scenes.SCENES[name])
            a, b = r.turns[1]
            x = r.clean[a:b]
            y = through_aac(x, Path(d))
            for excess in (0.0, 4.0, 13.0, 21.0):
                l1, n4 = shares(x, excess, args.packet)
                la, na = shares(y, excess, args.packet)
                print(f"{name} | +{excess:.0f} | {l1:.2f} / {la:.2f} | {n4:.2f} / {na:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
