"""meetcast's encoding profiles: ``profiles/*.yaml``, their schema, and loading them.

One file per profile (its name is the file name); audio chains live in ``profiles/audio/``
and are not profiles, so only the top level is read. Everything is validated before anything
in OBS changes: a bad file stops the whole apply with one line naming file, key and allowed
values, so OBS is never left half-configured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import encoders as enc
from .names import profile_name
from .schema import Field, ListOf, Schema, SchemaError, load_yaml, validate

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")

# Limits of the ingests meetcast targets, used to check the shipped profiles (tests) and
# shown in the docs. Twitch: at most 6000 kbps video+audio for non-partners, keyframes every
# 2 s. YouTube Live, H.264 30 fps: 720p 1500–4000 kbps, 1080p 3000–6000 kbps (its
# "encoder settings" help page, the older table every guide quotes).
TWITCH_MAX_TOTAL_KBPS = 6000
YOUTUBE_KBPS_RANGE: dict[int, tuple[int, int]] = {
    480: (500, 2000), 720: (1500, 4000), 1080: (3000, 6000),
}


def _even(value: int) -> str | None:
    return None if value % 2 == 0 else f"{value} is odd (allowed: even numbers; H.264 4:2:0)"


def _mod4(value: int) -> str | None:
    return None if value % 4 == 0 else (
        f"{value} is not a multiple of 4 (allowed: multiples of 4; OBS rounds the output "
        f"width down to one, libobs/obs.c, so {value} would stream as {value & ~3})")


_SIZE = Schema({
    "width": Field(int, min=128, max=3840, check=_even),
    "height": Field(int, min=72, max=2160, check=_even),
}, doc="a frame size in pixels")
_OUTPUT_SIZE = Schema({
    "width": Field(int, min=128, max=3840, check=_mod4),
    "height": Field(int, min=72, max=2160, check=_even),
}, doc="the streamed frame size in pixels")

_NVENC = Schema({
    "preset": Field(str, required=False, default="p5",
                    choices=["p1", "p2", "p3", "p4", "p5", "p6", "p7"],
                    doc="p1 fastest … p7 best quality"),
    "tune": Field(str, required=False, default="hq", choices=["hq", "ll", "ull"]),
    "multipass": Field(str, required=False, default="qres",
                       choices=["disabled", "qres", "fullres"]),
    "profile": Field(str, required=False, default="high", choices=["baseline", "main", "high"]),
    "bframes": Field(int, required=False, default=2, min=0, max=4),
    "adaptive_quantization": Field(bool, required=False, default=True),
    "lookahead": Field(bool, required=False, default=False),
})
_AMF = Schema({
    "preset": Field(str, required=False, default="quality",
                    choices=["quality", "balanced", "speed"]),
    "profile": Field(str, required=False, default="high", choices=["baseline", "main", "high"]),
    "bframes": Field(int, required=False, default=0, min=0, max=3),
})
_QSV = Schema({
    "target_usage": Field(str, required=False, default="balanced",
                          choices=["quality", "balanced", "speed"],
                          doc="written as TU1/TU4/TU7 on OBS 30+"),
    "profile": Field(str, required=False, default="high", choices=["baseline", "main", "high"]),
    "bframes": Field(int, required=False, default=3, min=0, max=3),
})
_VT = Schema({
    "profile": Field(str, required=False, default="high", choices=["baseline", "main", "high"]),
    "bframes": Field(bool, required=False, default=True),
})
_VAAPI = Schema({
    "profile": Field(str, required=False, default="high",
                     choices=["constrained_baseline", "main", "high"]),
    "bframes": Field(int, required=False, default=0, min=0, max=4),
})
_X264 = Schema({
    "preset": Field(str, required=False, default="veryfast",
                    choices=["ultrafast", "superfast", "veryfast", "faster", "fast",
                             "medium", "slow"]),
    "profile": Field(str, required=False, default="main", choices=["baseline", "main", "high"]),
    "tune": Field(str, required=False, default="",
                  choices=["", "film", "animation", "stillimage", "zerolatency"]),
    "scenecut": Field(bool, required=False, default=False,
                      doc="x264 adds keyframes at scene cuts; off keeps them exactly every "
                          "keyframe_sec, as the ingests ask"),
})
ENCODER_SCHEMAS: dict[str, Schema] = {
    enc.NVENC: _NVENC, enc.AMF: _AMF, enc.QSV: _QSV, enc.VIDEOTOOLBOX: _VT,
    enc.VAAPI: _VAAPI, enc.X264: _X264,
}

PROFILE_SCHEMA = Schema({
    "description": Field(str, doc="one line shown in OBS's script properties"),
    "canvas": Field(_SIZE, doc="OBS's base (canvas) size: keep it the same in every profile "
                               "so the scenes' layout does not move when switching"),
    "output": Field(_OUTPUT_SIZE, doc="the streamed (scaled) size"),
    "fps": Field(int, choices=[24, 25, 30, 48, 50, 60]),
    "rate_control": Field(str, choices=["CBR"],
                          doc="YouTube Live and Twitch ask for constant bitrate"),
    "video_kbps": Field(int, min=300, max=20000),
    "audio_kbps": Field(int, choices=[64, 96, 128, 160, 192, 256, 320]),
    "keyframe_sec": Field(int, min=1, max=10, doc="2 for YouTube and Twitch"),
    "scale_filter": Field(str, required=False, default="bicubic",
                          choices=["bilinear", "bicubic", "lanczos", "area"]),
    "encoders": Field(ListOf(Field(str, choices=list(enc.FAMILIES)), min_len=1),
                      doc="preference order; the first one present in OBS is used"),
    **{fam: Field(schema, required=False) for fam, schema in ENCODER_SCHEMAS.items()},
})


@dataclass(frozen=True)
class Size:
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class EncoderProfile:
    """One validated profile, with every per-encoder setting filled in."""

    name: str
    description: str
    canvas: Size
    output: Size
    fps: int
    rate_control: str
    video_kbps: int
    audio_kbps: int
    keyframe_sec: int
    scale_filter: str
    encoders: tuple[str, ...]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # family -> options
    source: str = ""

    @property
    def obs_profile(self) -> str:
        return profile_name(self.name)


def _defaults(schema: Schema) -> dict[str, Any]:
    return {k: f.default for k, f in schema.fields.items()}


def from_data(name: str, data: Any, source: str) -> EncoderProfile:
    """Validate parsed YAML; raises :class:`SchemaError` naming ``source``, key and allowed."""
    if not NAME_RE.match(name):
        raise SchemaError(f"{source}: (file name): {name!r} is not a profile name "
                          "(allowed: lower-case letters, digits and '-')")
    d = _validate(data, source)
    canvas = Size(**d["canvas"])
    output = Size(**d["output"])
    if output.width > canvas.width or output.height > canvas.height:
        raise SchemaError(f"{source}: output: {output} is larger than the canvas {canvas} "
                          "(allowed: at most the canvas size; OBS only scales down here)")
    if len(set(d["encoders"])) != len(d["encoders"]):
        raise SchemaError(f"{source}: encoders: lists a family twice "
                          f"(allowed: each of {', '.join(enc.FAMILIES)} at most once)")
    settings = {fam: {**_defaults(schema), **(d.get(fam) or {})}
                for fam, schema in ENCODER_SCHEMAS.items()}
    return EncoderProfile(
        name=name, description=d["description"], canvas=canvas, output=output,
        fps=d["fps"], rate_control=d["rate_control"], video_kbps=d["video_kbps"],
        audio_kbps=d["audio_kbps"], keyframe_sec=d["keyframe_sec"],
        scale_filter=d["scale_filter"], encoders=tuple(d["encoders"]), settings=settings,
        source=source)


def _validate(data: Any, source: str) -> dict[str, Any]:
    return validate(data, PROFILE_SCHEMA, source)


def load_profile(path: Path) -> EncoderProfile:
    data = load_yaml(path, PROFILE_SCHEMA)
    return from_data(path.stem, data, str(path))


def profile_files(directory: Path) -> list[Path]:
    """The profile files in ``directory`` (top level only: ``audio/`` holds audio chains)."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_all(directory: Path) -> list[EncoderProfile]:
    """Every profile in ``directory``, sorted by name; the first bad file raises."""
    files = profile_files(directory)
    if not files:
        raise SchemaError(f"{directory}: no encoding profiles (*.yaml) found")
    return [load_profile(p) for p in files]


def default_directory(here: Path | None = None) -> Path:
    """Where the shipped profiles are: ``meetcast_core/profiles`` in an installed wheel
    (pyproject force-includes it) and in a bundle ``meetcast script install`` wrote, else
    ``profiles/`` beside ``obs_scripts/`` in a checkout. The package's own copy is looked at
    first (as ``audio_chain.chains_dir`` does): a bundle written to ``X/meetcast`` must never
    read an unrelated ``X/profiles``."""
    pkg = here or Path(__file__).resolve().parent
    for candidate in (pkg / "profiles", pkg.parent.parent / "profiles"):
        if candidate.is_dir():
            return candidate
    return pkg.parent.parent / "profiles"
