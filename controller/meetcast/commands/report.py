"""``meetcast report FILE``: a picture of a recorded session (``meetcast watch`` writes the
JSONL record): bitrate, frames dropped by cause, congestion, the health state and every scene
change, over the whole stream. Also a summary in words (or JSON).

Drawing needs matplotlib and numpy, about 170 MB that the laptop install leaves out: they
come with the ``meetcast[report]`` extra, and without it this command says so in one line.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

from meetcast_core.printable import shown
from meetcast_core.stream import record

from ..errors import BadInput
from .common import print_json


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", help="draw a PNG of a recorded session (from meetcast watch)")
    p.add_argument("file", type=Path, metavar="FILE", help="a session record (.jsonl)")
    p.add_argument("-o", "--output", type=Path, help="PNG path (default: FILE with .png)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


class BadRecord(BadInput, ValueError):
    """A FILE that is not a readable meetcast session record: exit 2."""


# One line, exit 2: what to run to get the plotting stack (pip, or pipx for a pipx install).
NEEDS_EXTRA = ("meetcast report draws with matplotlib, which this install lacks: "
               "pip install 'meetcast[report]' (pipx: pipx inject meetcast matplotlib numpy)")


def plotting_available() -> bool:
    """Whether matplotlib and numpy import (the ``report`` extra is installed)."""
    try:
        import matplotlib  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def load(path: Path) -> tuple[list[dict], list[dict]]:
    """(samples, scene changes) from a record; a torn last line (a crash) is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadRecord(f"cannot read {path}: {exc.strerror}") from None
    samples, scenes = [], []
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            if n == len(lines):
                continue
            raise BadRecord(f"{path}:{n}: not a meetcast session record (bad JSON)") from None
        if not isinstance(obj, dict):
            raise BadRecord(f"{path}:{n}: not a meetcast session record")
        obj = record.upgrade(obj)  # any version of the record, read as the current one
        if obj.get("type") == record.SAMPLE:
            samples.append(obj)
        elif obj.get("type") == record.EVENT and obj.get("kind") == "scene":
            scenes.append(obj)
    if not samples:
        raise BadRecord(f"{path}: no samples in it (is it a meetcast watch record?)")
    return samples, scenes


def summarise(samples: list[dict], scenes: list[dict]) -> dict[str, Any]:
    from .. import bitrate

    kb = [s.get("kbps") for s in samples]
    dt = [b["t"] - a["t"] for a, b in itertools.pairwise(samples)] or [0.0]
    time_in: dict[str, float] = {}
    for s, d in zip(samples, [*dt, dt[-1]], strict=False):
        time_in[s["health"]] = time_in.get(s["health"], 0.0) + d
    last = samples[-1].get("totals", {})
    return {"seconds": round(samples[-1]["t"] - samples[0]["t"], 1), "samples": len(samples),
            "kbps": {k: None if v is None else round(v, 1)
                     for k, v in bitrate.summary(kb).items()},
            "dropped": {k: int(last.get(k, 0)) for k in ("network", "encoder", "render")},
            "seconds_by_state": {k: round(v, 1) for k, v in sorted(time_in.items())},
            "scene_changes": [{"t": c["t"], "scene": c.get("scene"), "by": c.get("by")}
                              for c in scenes]}


def spells(states: list[str]) -> list[tuple[str, int, int]]:
    """Runs of one state as (state, first index, index after the last)."""
    out: list[tuple[str, int, int]] = []
    for i, st in enumerate(states):
        if out and out[-1][0] == st:
            out[-1] = (st, out[-1][1], i + 1)
        else:
            out.append((st, i, i + 1))
    return out


def draw(samples: list[dict], scenes: list[dict], out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display needed; a laptop over SSH has none either
    import matplotlib.pyplot as plt
    import numpy as np

    from .. import bitrate

    t = np.array([s["t"] for s in samples]) / 60
    kb = [s.get("kbps") for s in samples]
    raw = np.array([np.nan if v is None else v for v in kb])
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(12, 7), sharex=True,
                                        gridspec_kw={"height_ratios": [3, 2, 1]})
    colours = {"LOW": "#f5d76e", "OFFLINE": "#f1948a", "STALE": "#d5d8dc"}
    for state, i, j in spells([s["health"] for s in samples]):  # health as background bands
        end = t[min(j, len(t) - 1)]  # until the next sample; a last spell to the end
        if state in colours and end > t[i]:
            for ax in (ax1, ax2, ax3):
                ax.axvspan(t[i], end, color=colours[state], alpha=0.5, lw=0)
    step = float(np.median(np.diff(t))) * 60 if len(t) > 1 else 1.0  # seconds per sample
    ax1.plot(t, raw, lw=0.7, color="#7fb3d5", label="kbps (1 s)")
    ax1.plot(t, bitrate.smooth(kb, max(2, round(10 / max(step, 0.01)))), lw=1.6,
             color="#1f618d", label="kbps (10 s average)")
    ax1.set_ylabel("kbps")
    ax1.set_ylim(bottom=0)
    ax1.legend(loc="lower left", fontsize=8)
    # Drops summed into at most ~600 bars: a three-hour stream has ~40 000 samples.
    per_bar = max(1, int(np.ceil(len(samples) / 600)))
    starts = np.arange(0, len(samples), per_bar)
    width = (t[-1] - t[0]) / len(starts) if len(t) > 1 else 1 / 60
    bottom = np.zeros(len(starts))
    for cause, colour in (("network", "#c0392b"), ("encoder", "#8e44ad"),
                          ("render", "#d68910")):
        v = np.add.reduceat(np.array([s.get("drops", {}).get(cause, 0) for s in samples],
                                     dtype=float), starts)
        ax2.bar(t[starts], v, width=width, bottom=bottom, color=colour, label=cause,
                align="edge")
        bottom += v
    ax2.set_ylabel("dropped frames")
    ax2.legend(loc="upper left", fontsize=8)
    ax3.plot(t, [s.get("congestion", 0) for s in samples], color="#566573", lw=1)
    ax3.set_ylim(0, 1)
    ax3.set_ylabel("congestion")
    ax3.set_xlabel("minutes")
    for c in scenes:
        x = c["t"] / 60
        for ax in (ax1, ax2, ax3):
            ax.axvline(x, color="black", lw=0.8, ls="--")
        ax1.annotate(f"{c.get('scene')} ({c.get('by')})", (x, 1.0),
                     xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right",
                     fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    if not plotting_available():
        raise BadInput(NEEDS_EXTRA)
    samples, scenes = load(args.file)  # BadRecord: exit 2
    out = args.output or args.file.with_suffix(".png")
    summary = summarise(samples, scenes)
    try:
        draw(samples, scenes, out, f"meetcast session {args.file.name}")
    except OSError as exc:  # the -o path (or FILE's folder) is the user's to change
        raise BadInput(f"cannot write {shown(str(out))}: {exc.strerror}") from None
    summary["png"] = str(out)
    if args.json:
        print_json(summary)
        return 0
    k, d = summary["kbps"], summary["dropped"]
    rate = "no bitrate (never streaming)" if k["p50"] is None else \
        f"median {k['p50']:.0f} kbps, worst 5% {k['p5']:.0f} kbps"
    states = ", ".join(f"{s} {v:.0f} s" for s, v in summary["seconds_by_state"].items())
    print(f"{summary['seconds']:.0f} s recorded: {rate}; dropped network {d['network']}, "
          f"encoder {d['encoder']}, render {d['render']}; {states}; "
          f"{len(scenes)} scene changes → {out}")
    return 0
