"""The listener bench's tables and goals (issue 12), from the figures of every take.

Goals are per signal (a scene's turn, or a scene), worst over the runs, and each is printed
with the signal where the chain came closest to failing and the baseline beside it (OBS's
RNNoise alone for the voice chain; no filter for the zoom chain, which suppresses no noise).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from .measure import SceneFigures, TurnFigures

ROOM_NOISES = ("hum", "fan", "room")
GOAL_STOI_MARGIN = 0.02
GOAL_PESQ_MARGIN = 0.1
GOAL_COLD_LU = 3.0
GOAL_NEW_SPEAKER_LU = 2.0
GOAL_SNR = {"room": 35.0, "keys": 20.0}
GOAL_PEAK = -1.0
GOAL_PRESERVATION = 0.98


def stat(values: Iterable[float], digits: int = 1) -> str:
    a = np.array([v for v in values if np.isfinite(v)])
    if not len(a):
        return "-"
    if len(a) == 1:
        return f"{a[0]:.{digits}f}"
    return f"{a.mean():.{digits}f} [{a.min():.{digits}f}..{a.max():.{digits}f}]"


def _group(rows: Iterable, key: Callable) -> dict:
    out: dict = defaultdict(list)
    for r in rows:
        out[key(r)].append(r)
    return out


def turn_table(turns: list[TurnFigures], configs: list[str]) -> str:
    head = ("config", "scene", "turn", "voice", "in peak", "set", "STOI", "PESQ",
            "ST first 3 s", "ST 2-5 s", "LUFS from 2 s", "SNR gain dB", "preservation")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    groups = _group(turns, lambda t: (t.config, t.scene, t.turn))
    order = {c: i for i, c in enumerate(configs)}
    for (cfg, scene, turn), rs in sorted(groups.items(),
                                         key=lambda kv: (order.get(kv[0][0], 99),)):
        r0 = rs[0]
        lines.append(" | ".join([
            cfg, scene, str(turn + 1), r0.voice, f"{r0.peak_in:.0f}",
            "tuned" if r0.tuned else "held out",
            stat((r.stoi for r in rs), 3), stat((r.pesq for r in rs), 2),
            stat(r.st_first for r in rs) if turn == 0 else "",
            stat(r.st_at2 for r in rs) if turn > 0 else "",
            stat(r.lufs for r in rs), stat(r.snr_gain for r in rs),
            stat((r.preservation for r in rs), 3)]))
    return "\n".join(lines)


def scene_table(scene_rows: list[SceneFigures], configs: list[str]) -> str:
    head = ("config", "scene", "lead-in noise dBFS", "peak dBFS",
            "jumps in speech (ms; t: whole ticks)", "jumps in pauses (ms)")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    groups = _group(scene_rows, lambda s: (s.config, s.scene))
    order = {c: i for i, c in enumerate(configs)}
    for (cfg, scene), rs in sorted(groups.items(), key=lambda kv: order.get(kv[0][0], 99)):
        lines.append(" | ".join([
            cfg, scene, stat(r.lead_noise for r in rs), stat(r.peak for r in rs),
            _jumps(j for r in rs for j in r.jumps if j.in_speech),
            _jumps(j for r in rs for j in r.jumps if not j.in_speech)]))
    return "\n".join(lines)


def _jumps(js: Iterable) -> str:
    js = list(js)
    if not js:
        return "0"
    return f"{len(js)} (" + ", ".join(f"{j.ms:+.0f}{'t' if j.whole_ticks else ''}"
                                      for j in js) + ")"


def _worst(values: dict, pick: Callable) -> tuple:
    """The key whose value is worst by ``pick`` (min or max), and that value."""
    key = pick(values, key=values.get)
    return key, values[key]


def goals(turns: list[TurnFigures], scene_rows: list[SceneFigures], target: float,
          chain: str = "meetcast", base: str = "rnnoise") -> list[tuple[str, bool, str]]:
    """(goal, met, worst signal with the baseline beside it) for every goal of issue 12."""
    out: list[tuple[str, bool, str]] = []
    by = _group(turns, lambda t: (t.config, t.scene, t.turn))
    keys = sorted({(s, i) for (c, s, i) in by if c == chain})
    if not keys:
        return out

    def worst_of(cfg: str, attr: str, pick=min) -> dict:
        return {k: pick(getattr(r, attr) for r in by[(cfg, *k)]) for k in keys
                if (cfg, *k) in by}

    def name(k: tuple) -> str:
        return f"{k[0]} turn {k[1] + 1}"

    for attr, margin, digits in (("stoi", GOAL_STOI_MARGIN, 3), ("pesq", GOAL_PESQ_MARGIN, 2)):
        mine, theirs = worst_of(chain, attr), worst_of(base, attr)
        common = [k for k in mine if k in theirs and np.isfinite(mine[k])]
        if common:
            d = {k: mine[k] - theirs[k] for k in common}
            k, v = _worst(d, min)
            out.append((f"{attr.upper()} >= {base}'s - {margin}", v >= -margin,
                        f"worst {name(k)}: {mine[k]:.{digits}f} ({base} {theirs[k]:.{digits}f}, "
                        f"{v:+.{digits}f})"))
    # Short-term loudness as the goal has it (against the target), and against the same
    # window of the clean speech brought to the target (its pauses read low whatever the
    # chain does): the stricter figure, printed beside it.
    firsts = {k: max(r.st_first for r in by[(chain, *k)]) for k in keys if k[1] == 0}
    k, v = _worst(firsts, max)
    r0 = by[(chain, *k)]
    rel = max(r.st_first - r.ref_first for rs in (by[(chain, *q)] for q in firsts) for r in rs)
    base_first = max((r.st_first for r in by.get((base, *k), [])), default=float("nan"))
    out.append((f"cold start: short-term loudness of the first 3 s <= {target + GOAL_COLD_LU:.0f}"
                f" LUFS", v <= target + GOAL_COLD_LU,
                f"worst {name(k)}: {v:.1f} LUFS (levelled perfectly {r0[0].ref_first:.1f}; "
                f"{base} {base_first:.1f}); against perfect levelling at most {rel:+.1f} LU"))
    news = {k: max(abs(r.st_at2 - target) for r in by[(chain, *k)]) for k in keys if k[1] > 0}
    k, v = _worst(news, max)
    r0 = by[(chain, *k)]
    rel_by = {q: max(abs(r.st_at2 - r.ref_at2) for r in by[(chain, *q)]) for q in news}
    kr, vr = _worst(rel_by, max)
    base_new = stat(r.st_at2 for r in by.get((base, *k), []))
    out.append((f"new speaker: short-term loudness 2-5 s after they start within "
                f"+-{GOAL_NEW_SPEAKER_LU:.0f} LU of {target:.0f} LUFS",
                v <= GOAL_NEW_SPEAKER_LU,
                f"worst {name(k)}: {min(r.st_at2 for r in r0):.1f}..{max(r.st_at2 for r in r0):.1f}"
                f" LUFS ({base} {base_new}); against perfect levelling worst {name(kr)}: "
                f"{vr:.1f} LU off"))
    for kind, goal in GOAL_SNR.items():
        kinds = ROOM_NOISES if kind == "room" else (kind,)
        mine = {k: min(r.snr_gain for r in by[(chain, *k)]) for k in keys
                if by[(chain, *k)][0].noise in kinds}
        if mine:
            k, v = _worst(mine, min)
            theirs = min((r.snr_gain for r in by.get((base, *k), [])), default=float("nan"))
            out.append((f"SNR gain, {kind} noise >= {goal:.0f} dB", v >= goal,
                        f"worst {name(k)}: {v:.1f} dB ({base} {theirs:.1f})"))
    pres = worst_of(chain, "preservation")
    k, v = _worst(pres, min)
    theirs = worst_of(base, "preservation").get(k, float("nan"))
    out.append((f"preservation (from 2 s) >= {GOAL_PRESERVATION}", v >= GOAL_PRESERVATION,
                f"worst {name(k)}: {v:.3f} ({base} {theirs:.3f})"))
    lv = {k: max(abs(r.lufs - target) for r in by[(chain, *k)]) for k in keys}
    k, v = _worst(lv, max)
    out.append((f"levelled: each turn from 2 s on within +-2 LU of {target:.0f} LUFS",
                v <= 2.0, f"worst {name(k)}: {v:+.1f} LU off"
                          f" ({', '.join(f'{r.lufs:.1f}' for r in by[(chain, *k)])})"))
    sc = _group(scene_rows, lambda s: (s.config, s.scene))
    names = sorted({s for (c, s) in sc if c == chain})

    def in_speech(cfg: str, s: str) -> int:
        return max((sum(j.in_speech for j in r.jumps) for r in sc.get((cfg, s), [])),
                   default=0)

    excess = {s: in_speech(chain, s) - in_speech(base, s) for s in names}
    s, v = _worst(excess, max)
    total = {c: sum(sum(j.in_speech for j in r.jumps) for r in scene_rows if r.config == c)
             for c in dict.fromkeys(r.config for r in scene_rows)}
    out.append((f"audio skipped/inserted inside speech: never more than {base}", v <= 0,
                f"worst {s}: {in_speech(chain, s)} ({base} {in_speech(base, s)}); all takes: "
                + ", ".join(f"{c} {n}" for c, n in total.items())))
    peak = max(r.peak for r in scene_rows if r.config == chain)
    out.append((f"peak <= {GOAL_PEAK:.0f} dBFS after AAC", peak <= GOAL_PEAK + 0.05,
                f"{peak:.2f} dBFS (highest)"))
    return out


def against_floor(turns: list[TurnFigures], chain: str = "meetcast", base: str = "rnnoise",
                  floor: str = "ideal") -> list[str]:
    """STOI, PESQ and preservation beside the floor (``listen.ideal``: the baseline levelled
    perfectly through the chain's ceiling): how much of each turn's loss is the ceiling's and how
    much the chain's. Not a goal of the issue; printed under the goals."""
    by = _group(turns, lambda t: (t.config, t.scene, t.turn))
    keys = sorted({(s, i) for (c, s, i) in by if c == chain and (floor, s, i) in by})
    out = []
    for attr, digits in (("stoi", 3), ("pesq", 2), ("preservation", 3)):
        def worst(cfg: str, k: tuple, attr: str = attr) -> float:
            return min(getattr(r, attr) for r in by.get((cfg, *k), []))
        d = {k: worst(chain, k) - worst(floor, k) for k in keys
             if np.isfinite(worst(chain, k)) and np.isfinite(worst(floor, k))}
        if not d:
            continue
        k, v = _worst(d, min)
        lost = {k: worst(base, k) - worst(floor, k) for k in keys if (base, *k) in by}
        kl, vl = _worst(lost, max) if lost else (k, float("nan"))
        out.append(f"{attr.upper()}: the ceiling alone ({base} levelled perfectly to the "
                   f"target, through the chain's limiter) costs up to {vl:.{digits}f} "
                   f"({kl[0]} turn {kl[1] + 1}); the chain against that: worst {k[0]} turn "
                   f"{k[1] + 1}: {worst(chain, k):.{digits}f} ({floor} {worst(floor, k):.{digits}f}"
                   f", {v:+.{digits}f})")
    return out


def held_out(turns: list[TurnFigures]) -> str:
    tuned = sorted({t.scene for t in turns if t.tuned})
    held = sorted({t.scene for t in turns if not t.tuned})
    return f"tuned on: {', '.join(tuned) or '-'}; held out: {', '.join(held) or '-'}"
