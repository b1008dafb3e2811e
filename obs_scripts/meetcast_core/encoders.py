"""What OBS calls its H.264 stream encoders, per OS and OBS version, and what their keys are.

Why a table: the encoder ids and setting keys changed between OBS 28 and 31 (NVENC moved from
``jim_nvenc`` to ``obs_nvenc_h264_tex`` and renamed ``preset2``/``psycho_aq``; QSV gained a
``_v2`` id and ``TU1..TU7`` speeds; VAAPI gained a texture id), and a profile written with the
wrong id or key silently falls back to defaults. Every id and key here was read from
obs-studio's own sources at the tags 28.0.0, 28.1.0, 29.0.2, 30.0.0, 30.2.0 and 31.0.0
(``plugins/obs-ffmpeg``, ``plugins/obs-nvenc``, ``plugins/obs-qsv11``,
``plugins/mac-videotoolbox``, ``UI/window-basic-main-outputs.cpp``).

Only H.264: every ingest meetcast targets (YouTube Live, Twitch over RTMP) takes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .obs_versions import Version

# Families in the order a meetup stream prefers them: a GPU encoder keeps the 2-core cloud
# desktop's CPU for Zoom; x264 is the always-present fallback.
NVENC = "nvenc"
AMF = "amf"
QSV = "qsv"
VIDEOTOOLBOX = "videotoolbox"
VAAPI = "vaapi"
X264 = "x264"
FAMILIES: tuple[str, ...] = (NVENC, AMF, QSV, VIDEOTOOLBOX, VAAPI, X264)

LABELS: dict[str, str] = {
    NVENC: "NVENC", AMF: "AMD AMF", QSV: "Intel QSV", VIDEOTOOLBOX: "Apple VideoToolbox",
    VAAPI: "VAAPI", X264: "x264",
}

OSES: tuple[str, ...] = ("windows", "macos", "linux")
# The OBS releases whose id sets differ; a version in between behaves like the one before it.
RELEASES: tuple[Version, ...] = ((28, 0), (28, 1), (29, 0), (30, 0), (30, 2), (31, 0))
SUPPORTED_MAJORS: tuple[int, ...] = (28, 29, 30, 31)

# --- ids ---------------------------------------------------------------------------------
X264_ID = "obs_x264"
JIM_NVENC = "jim_nvenc"                 # Windows 28–30 (texture), Linux 30.2 (native); 31: alias
FFMPEG_NVENC = "ffmpeg_nvenc"           # FFmpeg NVENC; 31: alias rerouted to obs_nvenc_h264_soft
NVENC_TEX_31 = "obs_nvenc_h264_tex"     # 31+: the native NVENC, texture input
NVENC_SOFT_31 = "obs_nvenc_h264_soft"   # 31+: the native NVENC, system-memory input
NVENC_CUDA = "obs_nvenc_h264_cuda"      # 30.2: Linux/Windows CUDA fallback; 31: alias
AMF_TEX = "h264_texture_amf"
AMF_FALLBACK = "h264_fallback_amf"
QSV_V2 = "obs_qsv11_v2"                 # 29+
QSV_V1 = "obs_qsv11"                    # 28 (still registered later, deprecated)
QSV_SOFT_V2 = "obs_qsv11_soft_v2"
QSV_SOFT_V1 = "obs_qsv11_soft"
VT_APPLE_SILICON = "com.apple.videotoolbox.videoencoder.ave.avc"
VT_INTEL_MAC = "com.apple.videotoolbox.videoencoder.h264.gva"
VAAPI_TEX = "ffmpeg_vaapi_tex"          # 30.2+
VAAPI_ID = "ffmpeg_vaapi"

# Candidate ids per family, best first. What a machine really has is probed in OBS; this only
# says which to prefer when several are present.
CANDIDATES: dict[str, tuple[str, ...]] = {
    NVENC: (NVENC_TEX_31, JIM_NVENC, NVENC_SOFT_31, NVENC_CUDA, FFMPEG_NVENC),
    AMF: (AMF_TEX, AMF_FALLBACK),
    QSV: (QSV_V2, QSV_V1, QSV_SOFT_V2, QSV_SOFT_V1),
    VIDEOTOOLBOX: (VT_APPLE_SILICON, VT_INTEL_MAC),
    VAAPI: (VAAPI_TEX, VAAPI_ID),
    X264: (X264_ID,),
}

ALL_IDS: frozenset[str] = frozenset(i for ids in CANDIDATES.values() for i in ids)


def family_of(encoder_id: str) -> str | None:
    for family, ids in CANDIDATES.items():
        if encoder_id in ids:
            return family
    return None


def release_of(version: Version) -> Version:
    """The newest release in :data:`RELEASES` at or before ``version``."""
    older = [r for r in RELEASES if r <= version]
    return older[-1] if older else RELEASES[0]


def family_ids(family: str, os_name: str, version: Version) -> frozenset[str]:
    """The H.264 ids of one encoder family that OBS ``version`` on ``os_name`` registers
    when that family's hardware and driver are present (empty: never on that OS/version).

    OBS registers a hardware encoder only after its own device check (NVENC: an NVIDIA
    adapter and libnvidia-encode / nvEncodeAPI; VAAPI: a default device that encodes H.264;
    QSV: an Intel adapter; AMF: the AMF runtime), so an id being registered means usable.
    """
    if os_name not in OSES:
        raise ValueError(f"unknown OS {os_name!r} (allowed: {', '.join(OSES)})")
    if family not in FAMILIES:
        raise ValueError(f"unknown encoder family {family!r} (allowed: {', '.join(FAMILIES)})")
    v = release_of(version)
    ids: set[str] = set()
    if family == X264:
        ids.add(X264_ID)
    elif family == VIDEOTOOLBOX:
        if os_name == "macos":
            ids |= {VT_APPLE_SILICON, VT_INTEL_MAC}
    elif family == AMF:
        if os_name == "windows":
            ids |= {AMF_TEX, AMF_FALLBACK}
    elif family == QSV:
        if os_name == "windows" or (os_name == "linux" and v >= (30, 0)):
            ids |= {QSV_V1, QSV_SOFT_V1}
            if v >= (29, 0):
                ids |= {QSV_V2, QSV_SOFT_V2}
    elif family == VAAPI:
        if os_name == "linux":
            ids.add(VAAPI_ID)
            if v >= (30, 2):
                ids.add(VAAPI_TEX)
    elif family == NVENC and os_name != "macos":
        if v >= (31, 0):
            # obs-nvenc: native ids plus compat aliases (ENABLE_NVENC_FFMPEG_IDS is ON)
            ids |= {NVENC_TEX_31, NVENC_SOFT_31, JIM_NVENC, NVENC_CUDA, FFMPEG_NVENC}
        elif v >= (30, 2):
            ids |= {JIM_NVENC, NVENC_CUDA, FFMPEG_NVENC}  # native NVENC on Linux too
        elif os_name == "windows":
            ids |= {JIM_NVENC, FFMPEG_NVENC}
        else:
            ids.add(FFMPEG_NVENC)
    return frozenset(ids)


def known_ids(os_name: str, version: Version) -> frozenset[str]:
    """Every H.264 stream-encoder id OBS ``version`` on ``os_name`` can register."""
    return frozenset(i for fam in FAMILIES for i in family_ids(fam, os_name, version))


def machine_ids(os_name: str, version: Version, families: tuple[str, ...]) -> frozenset[str]:
    """What OBS registers on a machine whose hardware serves ``families`` (x264 always)."""
    out = set(family_ids(X264, os_name, version))
    for fam in families:
        out |= family_ids(fam, os_name, version)
    return frozenset(out)


@dataclass(frozen=True)
class KeyNames:
    """The setting keys one encoder id reads in one OBS version (only those that moved)."""

    preset: str | None = None        # NVENC p1..p7: ``preset2`` (28.1–30) / ``preset`` (31)
    legacy_nvenc_preset: bool = False  # 28.0 NVENC: only the old ``preset`` hq/mq/hp/llhq
    aq: str | None = None            # NVENC adaptive quantisation
    qsv_usage_tu: bool = False       # QSV ``target_usage``: TU1..TU7 (30+) or names (28–29)


def key_names(encoder_id: str, version: Version) -> KeyNames:
    """Which keys ``encoder_id`` reads in OBS ``version``.

    OBS 31's ``jim_nvenc``/``ffmpeg_nvenc``/``obs_nvenc_h264_cuda`` are compat aliases whose
    create() copies ``preset2`` → ``preset`` and ``psycho_aq`` → ``adaptive_quantization``
    (plugins/obs-nvenc/nvenc-compat.c), so they still take the old names.
    """
    fam = family_of(encoder_id)
    v = release_of(version)
    if fam == NVENC:
        if encoder_id in (NVENC_TEX_31, NVENC_SOFT_31):
            return KeyNames(preset="preset", aq="adaptive_quantization")
        if v < (28, 1):
            return KeyNames(legacy_nvenc_preset=True, aq="psycho_aq")
        return KeyNames(preset="preset2", aq="psycho_aq")
    if fam == QSV:
        return KeyNames(qsv_usage_tu=v >= (30, 0))
    return KeyNames()
