"""Audio chains: which OBS filters, in which order, with which settings — and how to get there.

A chain (``profiles/audio/<name>.yaml``) is a list of steps, each one OBS audio filter. This
module validates chains, resolves them against what this OBS offers (the NVIDIA denoiser exists
only on Windows with an RTX card), and PLANS the filter operations that turn a source's current
filter list into the chain. The plan is plain data, so the rule "meetcast's filters updated in
place and in order, never duplicated; the user's own filters untouched and where they were"
lives here, once, tested without OBS; the OBS script and the controller only carry it out.

Ids and setting keys are OBS's own (plugins/obs-filters in obs-studio 29–31).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import names
from .schema import Field, ListOf, Schema, SchemaError, load_yaml, validate

# -- OBS's filter ids and the settings meetcast may set on them -----------------------------
NOISE_SUPPRESS = "noise_suppress_filter_v2"
COMPRESSOR = "compressor_filter"
GAIN = "gain_filter"
UPWARD_COMPRESSOR = "upward_compressor_filter"
EXPANDER = "expander_filter"
LIMITER = "limiter_filter"

# Noise-suppression methods, best first. "denoiser" is NVIDIA's (only where OBS lists it);
# Speex is the last resort: measured here it removes ~5 dB where RNNoise removes ~40.
METHODS: tuple[str, ...] = ("denoiser", "rnnoise", "speex")
# Methods every OBS 27+ build offers (RNNoise and Speex are compiled into obs-filters).
BUILTIN_METHODS: tuple[str, ...] = ("rnnoise", "speex")

CEILING_MAX_DBFS = -1.0  # the limiter's threshold: true peaks stay at or below this


def _num(lo: float, hi: float, doc: str = "") -> Field:
    return Field((int, float), required=False, min=lo, max=hi, doc=doc)


def _int(lo: int, hi: int, doc: str = "") -> Field:
    return Field(int, required=False, min=lo, max=hi, doc=doc)


# Ranges are OBS's own slider ranges, so a chain can never ask OBS for what its UI cannot show.
SETTINGS: dict[str, Schema] = {
    NOISE_SUPPRESS: Schema({
        "suppress_level": _int(-60, 0, "Speex only: attenuation in dB"),
        "intensity": _num(0.0, 1.0, "NVIDIA denoiser only"),
    }),
    COMPRESSOR: Schema({
        "ratio": _num(1, 32), "threshold": _num(-60, 0), "attack_time": _int(1, 500),
        "release_time": _int(1, 1000), "output_gain": _num(-32, 32),
    }),
    GAIN: Schema({"db": _num(-30, 30)}),
    UPWARD_COMPRESSOR: Schema({
        "ratio": _num(0, 1), "threshold": _num(-60, 0), "attack_time": _int(1, 100),
        "release_time": _int(1, 1000), "output_gain": _num(-32, 32), "knee_width": _int(0, 20),
        "detector": Field(str, required=False, choices=("RMS", "peak")),
    }),
    EXPANDER: Schema({
        "ratio": _num(1, 20), "threshold": _num(-60, 0), "attack_time": _int(1, 100),
        "release_time": _int(1, 1000), "output_gain": _num(-32, 32),
        "detector": Field(str, required=False, choices=("RMS", "peak")),
        "presets": Field(str, required=False, choices=("expander", "gate")),
    }),
    LIMITER: Schema({"threshold": _num(-60, 0), "release_time": _int(1, 1000)}),
}
KINDS: tuple[str, ...] = tuple(SETTINGS)

# The slow leveller's settings (meetcast_core.leveller.Settings), on a gain step only.
LEVELLER = Schema({
    "target_dbfs": _num(-40, -6, "speech level to reach (the leveller's gated average)"),
    "gate_dbfs": _num(-90, -30, "quieter than this before the gain: a pause"),
    "relative_gate_db": _num(6, 40, "this far below the short average: not counted"),
    "average_s": _num(1, 60, "speech time of the long average"),
    "short_s": _num(0.1, 5, "speech time of the short average"),
    "new_speaker_db": _num(3, 30, "short vs long average difference meaning a new level"),
    "new_speaker_s": _num(0.2, 10, "... when it lasts this long (speech time)"),
    "pull_limit_db": _num(1, 40, "one block pulls the average as if at most this far"),
    "min_gain_db": _num(-30, 30), "max_gain_db": _num(-30, 30),
    "slew_db_per_s": _num(0.5, 60, "fastest gain change"),
    "min_fader_db": _num(-100, 0, "a fader below this counts as muted"),
})


def _step_name_ok(value: str) -> str | None:
    if not value.strip() or value != value.strip():
        return "must be a non-empty name without leading/trailing spaces"
    if value.startswith(names.FILTER_PREFIX):
        return f"is given without the {names.FILTER_PREFIX!r} prefix (meetcast adds it)"
    return None


STEP = Schema({
    "name": Field(str, check=_step_name_ok, doc="shown in OBS as 'meetcast: <name>'"),
    "kind": Field(str, choices=KINDS, doc="OBS's filter id"),
    "methods": Field(ListOf(Field(str, choices=METHODS), min_len=1), required=False,
                     doc="noise suppression only: methods to use, the first OBS offers"),
    "settings": Field(dict, required=False, default={}),
    "leveller": Field(LEVELLER, required=False,
                      doc=f"a gain step named {names.LEVELLER_STEP!r} only: the script drives its "
                          f"gain as a slow leveller with these settings"),
    "why": Field(str, required=False, doc="what the measurement showed"),
})

CHAIN = Schema({
    "name": Field(str),
    "description": Field(str, required=False),
    "for": Field(str, required=False, choices=("microphone", "desktop")),
    "steps": Field(ListOf(STEP, min_len=1)),
})


@dataclass(frozen=True)
class Step:
    name: str  # without the prefix
    kind: str
    settings: dict[str, Any]
    methods: tuple[str, ...] = ()
    leveller: dict[str, Any] | None = None  # the script drives this step's gain

    @property
    def filter_name(self) -> str:
        return names.filter_name(self.name)


@dataclass(frozen=True)
class Chain:
    name: str
    steps: tuple[Step, ...]
    description: str = ""
    target: str = "microphone"


def parse(data: Any, file: str | Path) -> Chain:
    """A validated chain from parsed YAML; every problem is a one-line ``SchemaError``."""
    doc = validate(data, CHAIN, file)
    steps: list[Step] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["steps"]):
        where = f"{file}: steps.[{i}]"
        kind = raw["kind"]
        settings = validate(raw.get("settings") or {}, SETTINGS[kind], f"{where}.settings")
        if raw["name"] in seen:
            raise SchemaError(f"{where}.name: {raw['name']!r} is used twice in this chain")
        seen.add(raw["name"])
        methods = tuple(raw.get("methods") or ())
        if kind == NOISE_SUPPRESS and not methods:
            methods = METHODS
        if methods and kind != NOISE_SUPPRESS:
            raise SchemaError(f"{where}.methods: only for {NOISE_SUPPRESS}")
        lev = raw.get("leveller")
        if lev is not None:
            _check_leveller(raw["name"], kind, settings, lev, where)
        steps.append(Step(raw["name"], kind, settings, methods, lev))
    last = steps[-1]
    if last.kind != LIMITER:
        raise SchemaError(f"{file}: steps: the last step must be a {LIMITER} "
                          f"(the ceiling that keeps peaks at or below {CEILING_MAX_DBFS} dBFS)")
    if last.settings.get("threshold", 0.0) > CEILING_MAX_DBFS:
        raise SchemaError(f"{file}: steps.[{len(steps) - 1}].settings.threshold: the limiter's "
                          f"ceiling must be set at or below {CEILING_MAX_DBFS} dBFS")
    return Chain(name=doc["name"], steps=tuple(steps), description=doc.get("description", ""),
                 target=doc.get("for", "microphone"))


def _check_leveller(name: str, kind: str, settings: dict[str, Any], lev: dict[str, Any],
                    where: str) -> None:
    """A driven step is the gain filter the script looks for, and only the script sets it."""
    if kind != GAIN or name != names.LEVELLER_STEP:
        raise SchemaError(f"{where}.leveller: only on a {GAIN} step named "
                          f"{names.LEVELLER_STEP!r} (the script drives the filter by that name)")
    if "db" in settings:
        raise SchemaError(f"{where}.settings.db: the leveller sets the gain; leave it out")
    lo, hi = lev.get("min_gain_db", -10.0), lev.get("max_gain_db", 30.0)
    if lo > hi:
        raise SchemaError(f"{where}.leveller: min_gain_db {lo} is above max_gain_db {hi}")


def load(path: Path) -> Chain:
    """Read, validate and check one chain file (its ``name`` must match the file name)."""
    # load_yaml reads and reports YAML errors in one line; ``parse`` does the validation.
    chain = parse(load_yaml(path, Schema({}, extra=Field(object))), path)
    if chain.name != path.stem:
        raise SchemaError(f"{path}: name: {chain.name!r} must match the file name "
                          f"({path.stem!r})")
    return chain


def chains_dir(root: Path | None = None) -> Path:
    """Where the shipped chains live: ``profiles/audio`` in the tree or in the wheel."""
    if root is not None:
        return root / "profiles" / "audio"
    here = Path(__file__).resolve().parent
    for cand in (here / "profiles" / "audio", here.parents[1] / "profiles" / "audio"):
        if cand.is_dir():
            return cand
    return here.parents[1] / "profiles" / "audio"


def available(directory: Path | None = None) -> list[str]:
    """Names of the chains shipped (``voice``, ``zoom``, …), sorted."""
    d = directory or chains_dir()
    return sorted(p.stem for p in d.glob("*.yaml"))


def load_named(name: str, directory: Path | None = None) -> Chain:
    d = directory or chains_dir()
    path = d / f"{name}.yaml"
    if not path.is_file():
        raise SchemaError(f"{path}: no such audio chain (available: "
                          f"{', '.join(available(d)) or 'none'})")
    return load(path)


# -- resolving a chain against this OBS ------------------------------------------------------
@dataclass(frozen=True)
class FilterSpec:
    """One filter as it should be on the source: full name, OBS id, settings to set."""

    name: str
    kind: str
    settings: dict[str, Any]


def pick_method(preferred: Sequence[str], offered: Iterable[str]) -> str:
    """The first preferred method OBS offers; Speex when none is (it is always built in)."""
    offered = set(offered)
    for m in preferred:
        if m in offered:
            return m
    return "speex"


def resolve(chain: Chain, offered_methods: Iterable[str] = BUILTIN_METHODS) -> list[FilterSpec]:
    """The chain as concrete filters for an OBS offering ``offered_methods``."""
    offered = tuple(offered_methods)
    out: list[FilterSpec] = []
    for step in chain.steps:
        settings = dict(step.settings)
        if step.kind == NOISE_SUPPRESS:
            method = pick_method(step.methods, offered)
            settings = {"method": method, **_method_settings(method, settings)}
        if step.leveller is not None:  # carried on the filter, where the script reads it
            ceiling = chain.steps[-1].settings.get("threshold", 0.0)  # the chain's limiter
            settings[names.LEVELLER_SETTINGS_KEY] = {**step.leveller, "ceiling_dbfs": ceiling}
        out.append(FilterSpec(step.filter_name, step.kind, settings))
    return out


def _method_settings(method: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Only the keys the chosen method reads (so a Speex level never lingers on RNNoise)."""
    keep = {"speex": ("suppress_level",), "denoiser": ("intensity",)}.get(method, ())
    return {k: v for k, v in settings.items() if k in keep}


# -- planning --------------------------------------------------------------------------------
Existing = tuple[str, str, dict[str, Any]]  # (filter name, kind, settings) as OBS has them


@dataclass(frozen=True)
class Op:
    """One filter operation. ``index`` is the position in the list as it is at that moment.

    - ``remove``: delete the filter at ``index`` (named ``name``, checked before removing)
    - ``create``: add ``name`` of ``kind`` with ``settings`` at the END of the list
    - ``update``: overlay ``settings`` on ``name``'s settings
    - ``move``:   move ``name`` to ``index``
    """

    action: str
    name: str
    kind: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    index: int = -1


def owned(name: str, kind: str) -> bool:
    """meetcast's own audio filter: its prefix AND an audio kind meetcast uses.

    The kind check keeps a future meetcast video filter (same prefix) out of the audio plan.
    """
    return names.is_meetcast_filter(name) and kind in KINDS


def _differs(want: dict[str, Any], have: dict[str, Any]) -> bool:
    return any(k not in have or have[k] != v for k, v in want.items())


def target_order(existing: Sequence[Existing], desired: Sequence[FilterSpec]) -> list[str]:
    """The filter names in the order they should end up.

    The user's filters keep their places. meetcast's filters fill the places meetcast's
    filters already had (in chain order); any left over go right after the last of those,
    or — on a first apply — at the end, so the limiter is the last thing the audio meets.
    """
    want = [d.name for d in desired]
    order: list[str] = []
    slots_used = 0
    last_slot = -1
    for name, kind, _ in existing:
        if owned(name, kind):
            if slots_used < len(want):
                order.append(want[slots_used])
                slots_used += 1
                last_slot = len(order) - 1
        else:
            order.append(name)
    rest = want[slots_used:]
    at = last_slot + 1 if last_slot >= 0 else len(order)
    return order[:at] + rest + order[at:]


def plan(existing: Sequence[Existing], desired: Sequence[FilterSpec]) -> list[Op]:
    """Operations that turn ``existing`` into the user's filters plus ``desired``.

    ``desired`` empty means "remove meetcast's audio filters". Applying the result and
    planning again gives ``[]`` (idempotent). A meetcast filter of the wrong kind or a
    duplicate name is removed and, if wanted, created afresh.
    """
    ops: list[Op] = []
    cur: list[Existing] = list(existing)
    by_name = {d.name: d for d in desired}

    # 1. remove meetcast filters that are not wanted, have the wrong kind, or are duplicates
    seen: set[str] = set()
    drop: list[int] = []
    for i, (name, kind, _) in enumerate(cur):
        if not owned(name, kind) and not (name in by_name and names.is_meetcast_filter(name)):
            continue
        d = by_name.get(name)
        if d is None or d.kind != kind or name in seen:
            drop.append(i)
        else:
            seen.add(name)
    order = target_order([c for i, c in enumerate(cur) if i not in drop], desired)
    for i in reversed(drop):
        ops.append(Op("remove", cur[i][0], index=i))
        del cur[i]

    # 2. create what is missing (OBS appends), 3. update settings that differ
    have = {c[0]: c for c in cur}
    for d in desired:
        if d.name not in have:
            ops.append(Op("create", d.name, d.kind, dict(d.settings)))
            cur.append((d.name, d.kind, dict(d.settings)))
        elif _differs(d.settings, have[d.name][2]):
            ops.append(Op("update", d.name, d.kind, dict(d.settings)))
            i = [c[0] for c in cur].index(d.name)
            cur[i] = (d.name, d.kind, {**cur[i][2], **d.settings})

    # 4. move into order, front to back: each move puts one name where it belongs
    for i, name in enumerate(order):
        pos = [c[0] for c in cur].index(name)
        if pos != i:
            ops.append(Op("move", name, index=i))
            cur.insert(i, cur.pop(pos))
    return ops


def apply(existing: Sequence[Existing], ops: Sequence[Op]) -> list[Existing]:
    """What a filter list becomes after ``ops`` (the reference semantics for both edges)."""
    cur = [(n, k, dict(s)) for n, k, s in existing]
    for op in ops:
        names_now = [c[0] for c in cur]
        if op.action == "remove":
            if cur[op.index][0] != op.name:
                raise ValueError(f"remove {op.name!r}: index {op.index} holds "
                                 f"{cur[op.index][0]!r}")
            del cur[op.index]
        elif op.action == "create":
            cur.append((op.name, op.kind, dict(op.settings)))
        elif op.action == "update":
            i = names_now.index(op.name)
            cur[i] = (cur[i][0], cur[i][1], {**cur[i][2], **op.settings})
        elif op.action == "move":
            cur.insert(op.index, cur.pop(names_now.index(op.name)))
        else:
            raise ValueError(f"unknown operation {op.action!r}")
    return cur


def describe(ops: Sequence[Op]) -> list[str]:
    """One human line per operation (for OBS's log and the controller's output)."""
    out = []
    for op in ops:
        if op.action == "create":
            out.append(f"add {op.name} ({op.kind})")
        elif op.action == "update":
            out.append(f"update {op.name}: " +
                       ", ".join(f"{k}={v}" for k, v in sorted(op.settings.items())))
        elif op.action == "move":
            out.append(f"move {op.name} to position {op.index + 1}")
        else:
            out.append(f"remove {op.name}")
    return out
