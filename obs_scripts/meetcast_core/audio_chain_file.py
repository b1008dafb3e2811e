"""Audio chain files (``profiles/audio/<name>.yaml``): their schema, and reading them.

A chain is a list of steps, each one OBS audio filter (:mod:`meetcast_core.audio_filter_kinds`),
the last of them the limiter that keeps peaks under the ceiling. A ``Leveller`` gain step also
carries the slow leveller's settings (:mod:`meetcast_core.leveller`), which the script reads
from the filter. Every problem is a one-line ``SchemaError`` naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import names
from .audio_filter_kinds import (
    CEILING_MAX_DBFS,
    GAIN,
    KINDS,
    LIMITER,
    METHODS,
    NOISE_SUPPRESS,
    SETTINGS,
    num,
)
from .schema import Field, ListOf, Schema, SchemaError, load_yaml, validate

# The slow leveller's settings (meetcast_core.leveller.Settings), on a gain step only.
LEVELLER = Schema({
    "target_lufs": num(-40, -6, "speech loudness to reach, LUFS integrated (BS.1770)"),
    "target_dbfs": num(-40, -6, "the older way to give it: speech RMS as the meter reads it"),
    "lufs_offset_db": num(-6, 6, "speech LUFS minus the meter's gated RMS (measured)"),
    "gate_dbfs": num(-90, -30, "quieter than this before the gain: a pause"),
    "floor_gate_db": num(0, 30, "less than this above the noise floor: a pause"),
    "floor_window_s": num(0.5, 30, "time the noise floor is taken over"),
    "floor_quantile": num(0.01, 0.5, "the floor: this low quantile of the level"),
    "acquire_above_floor_db": num(3, 40, "the first speaker stands this far above the floor"),
    "relative_gate_db": num(6, 40, "this far below the short average: not counted"),
    "average_s": num(1, 60, "speech time of the long average"),
    "short_s": num(0.1, 5, "speech time of the short average"),
    "acquire_s": num(0.05, 5, "speech time before the first speaker's level is trusted"),
    "acquire_gap_s": num(0.1, 5, "... with no longer pause within it"),
    "new_speaker_db": num(3, 30, "short vs long average difference meaning a new level"),
    "new_speaker_s": num(0.1, 10, "... when it lasts this long (speech time)"),
    "louder_db": num(1, 30, "... or this much louder ..."),
    "louder_s": num(0.1, 10, "... for this long"),
    "pull_limit_db": num(1, 40, "one block pulls the average as if at most this far"),
    "min_gain_db": num(-30, 40), "max_gain_db": num(-30, 40),
    "start_gain_db": num(-30, 20, "the highest gain before anyone has been heard"),
    "slew_db_per_s": num(0.5, 200, "fastest gain rise near the target"),
    "fall_db_per_s": num(0.5, 200, "fastest gain fall near the target"),
    "far_db": num(1, 40, "further than this from the target gain: a new speaker ..."),
    "far_slew_db_per_s": num(1, 400, "... and the gain moves this fast either way"),
    "min_fader_db": num(-100, 0, "a fader below this counts as muted"),
    "squashed_share": num(0.05, 1, "speech limited this often, recently ..."),
    "squashed_above_db": num(0, 20, "... reading this far above the target: squashed"),
    "squash_s": num(0.05, 5, "... for this much speech: the gain steps down"),
    "squash_step_db": num(1, 30, "... by this much"),
    "squash_window_s": num(0.25, 5, "over this much speech ..."),
    "squash_margin_db": num(0, 20, "... blocks peaking within this of the ceiling ..."),
    "squash_window_share": num(0.05, 1, "... this often: squashed, whatever it reads"),
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
