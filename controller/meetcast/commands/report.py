"""``meetcast report FILE``: a picture of a recorded session (``meetcast watch`` writes the
JSONL record): bitrate, frames dropped by cause, congestion, the health state and every scene
change, over the whole stream. Also a summary in words (or JSON).

Drawing needs matplotlib and numpy, about 170 MB that the laptop install leaves out: they
come with the ``meetcast[report]`` extra, and without it this command says so in one line.
``--chapters`` needs neither: it prints YouTube chapter lines from the scene changes
(:mod:`meetcast.chapters`) and draws nothing.

The picture, for someone reading it the next day: the 10 s average is centred on each moment
(a report knows what came after, so it neither lags nor starts from zero, as a running
average would); the drops axis is a count from 0 with "no frames dropped" when none were; the
LOW/OFFLINE/STALE bands are in the legend; scene changes closer together than the labels are
wide share one label; and the top axis gives the clock time, the bottom one the minutes.
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
    p.add_argument("--chapters", action="store_true",
                   help="print YouTube chapter lines (0:00 Starting Soon, …) from the scene "
                        "changes, for the video's description; draws nothing")
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


AVERAGE_S = 10.0  # the smoothed bitrate line: a centred window this wide
BAND_COLOURS = {"LOW": "#f5d76e", "OFFLINE": "#f1948a", "STALE": "#d5d8dc"}
BAND_MEANING = {"LOW": "LOW (bitrate, congestion or drops)", "OFFLINE": "OFFLINE (not live)",
                "STALE": "STALE (no reading from OBS)"}
LABEL_GAP = 0.012  # scene labels closer than this share of the time axis share one label


def window_mean(t: Any, values: list[float | None], width: float = AVERAGE_S) -> Any:
    """For each moment, the mean of the known values within ``width`` seconds centred on it
    (NaN where there are none: a gap stays a gap). ``t`` in seconds, ascending."""
    import numpy as np

    v = np.array([np.nan if x is None else float(x) for x in values])
    known = ~np.isnan(v)
    csum = np.concatenate([[0.0], np.cumsum(np.where(known, v, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(known)])
    lo = np.searchsorted(t, t - width / 2, side="left")
    hi = np.searchsorted(t, t + width / 2, side="right")
    n = ccount[hi] - ccount[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (csum[hi] - csum[lo]) / n
    out[n == 0] = np.nan
    out[~known] = np.nan
    return out


def scene_labels(scenes: list[dict], span_min: float) -> list[tuple[float, str]]:
    """(minutes, text) per label: changes closer than LABEL_GAP of the axis to the one
    before are written into its label (``Zoom → BRB (auto)``) instead of over it."""
    out: list[tuple[float, str]] = []
    last_x = None
    for c in scenes:
        x = c["t"] / 60
        text = f"{shown(str(c.get('scene')))} ({c.get('by')})"
        if last_x is not None and out and x - last_x < LABEL_GAP * max(span_min, 1e-9):
            out[-1] = (out[-1][0], f"{out[-1][1]} → {text}")
        else:
            out.append((x, text))
        last_x = x
    return out


def clock_origin(samples: list[dict]) -> float | None:
    """The Unix time of session second 0, from the samples' ``wall``."""
    for s in samples:
        if isinstance(s.get("wall"), (int, float)):
            return float(s["wall"]) - float(s["t"])
    return None


def draw(samples: list[dict], scenes: list[dict], out: Path, title: str) -> None:
    import matplotlib.pyplot as plt

    fig = figure(samples, scenes, title)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(out, dpi=100)
    finally:
        plt.close(fig)


def figure(samples: list[dict], scenes: list[dict], title: str) -> Any:
    """The report's matplotlib Figure (the caller saves and closes it)."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed; a laptop over SSH has none either
    import time as _time

    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    seconds = np.array([s["t"] for s in samples], dtype=float)
    t = seconds / 60
    kb = [s.get("kbps") for s in samples]
    raw = np.array([np.nan if v is None else v for v in kb])
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(12, 7), sharex=True,
                                        gridspec_kw={"height_ratios": [3, 2, 1]})
    present: list[str] = []
    for state, i, j in spells([s["health"] for s in samples]):  # health as background bands
        end = t[min(j, len(t) - 1)]  # until the next sample; a last spell to the end
        if state in BAND_COLOURS and end > t[i]:
            present += [] if state in present else [state]
            for ax in (ax1, ax2, ax3):
                ax.axvspan(t[i], end, color=BAND_COLOURS[state], alpha=0.5, lw=0)
    ax1.plot(t, raw, lw=0.7, color="#7fb3d5", label="kbps (1 s)")
    ax1.plot(t, window_mean(seconds, kb), lw=1.6, color="#1f618d",
             label=f"kbps ({AVERAGE_S:.0f} s average, centred)")
    ax1.set_ylabel("kbps")
    ax1.set_ylim(bottom=0)
    handles, _ = ax1.get_legend_handles_labels()
    handles += [Patch(color=BAND_COLOURS[s], alpha=0.5, label=BAND_MEANING[s])
                for s in ("LOW", "OFFLINE", "STALE") if s in present]
    ax1.legend(handles=handles, loc="lower left", fontsize=8)
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
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))  # frames are counted, never 0.04
    if not bottom.any():  # nothing dropped: a plain 0..1 axis that says so
        ax2.set_ylim(0, 1)
        ax2.text(0.5, 0.5, "no frames dropped", transform=ax2.transAxes, ha="center",
                 va="center", fontsize=9, color="#566573")
    else:
        ax2.set_ylim(bottom=0)
        ax2.legend(loc="upper left", fontsize=8)
    ax3.plot(t, [s.get("congestion", 0) for s in samples], color="#566573", lw=1)
    ax3.set_ylim(0, 1)
    ax3.set_ylabel("congestion")
    ax3.set_xlabel("minutes since the session began")
    for c in scenes:
        for ax in (ax1, ax2, ax3):
            ax.axvline(c["t"] / 60, color="black", lw=0.8, ls="--")
    for x, text in scene_labels(scenes, float(t[-1] - t[0]) if len(t) > 1 else 1.0):
        ax1.annotate(text, (x, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                     va="top", ha="right", fontsize=7)
    origin = clock_origin(samples)
    if origin is not None:  # the clock on top: "the picture froze at 19:42" is findable
        top = ax1.secondary_xaxis("top")
        top.xaxis.set_major_formatter(FuncFormatter(
            lambda m, _pos: _time.strftime("%H:%M:%S" if t[-1] - t[0] < 5 else "%H:%M",
                                           _time.localtime(origin + m * 60))))
        top.set_xlabel(f"clock time ({_time.strftime('%Z', _time.localtime(origin))})",
                       fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def run(args: argparse.Namespace) -> int:
    if args.chapters:
        return print_chapters(args.file)
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
          f"{plural(len(scenes), 'scene change')} → {out}")
    return 0


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def print_chapters(path: Path) -> int:
    """The chapter lines on stdout; notes (never live, too few chapters) on stderr."""
    import sys

    from .. import chapters as ch

    samples, scenes = load(path)
    span = ch.live_span(samples)
    if span is None:
        print("meetcast: note: the record never saw the stream live; times are from when "
              "watch started", file=sys.stderr)
        span = (float(samples[0]["t"]), float(samples[-1]["t"]))
    first = next((s.get("scene") for s in samples
                  if s.get("scene") and float(s["t"]) >= span[0]), None)
    found = ch.chapters(scenes, span, first_scene=first)
    if not found:
        raise BadRecord(f"{path}: no scene on program in it: no chapters to make")
    for c in found:
        print(f"{ch.timestamp(c.start)} {shown(c.title)}")
    if len(found) < ch.MIN_CHAPTERS:
        print(f"meetcast: note: YouTube shows chapters only when there are at least "
              f"{ch.MIN_CHAPTERS} (this stream had {plural(len(found), 'scene')} of "
              f"{ch.MIN_CHAPTER_S:.0f} s or more)", file=sys.stderr)
    return 0
