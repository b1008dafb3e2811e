"""Media for the lab: a moving test pattern to give encoders real work, and ffprobe's reading
of what the ingest recorded (size, frame rate, keyframe spacing, bitrate per stream).

An empty canvas encodes to almost nothing: x264 in CBR mode pads with filler data to reach its
bitrate, which hides whether the rate control really holds. A looping test pattern (colour
bars with a moving gradient and a counter, FFmpeg's ``testsrc2``) is cheap to decode and hard
enough to encode that the bitrate target is met by picture, not padding.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .procs import LabError


def make_test_pattern(path: Path, size: tuple[int, int] = (1280, 720), fps: int = 30,
                      seconds: int = 10) -> Path:
    """Write a looping H.264 test pattern (made once, reused when already there)."""
    if path.exists() and path.stat().st_size > 0:
        return path
    if not shutil.which("ffmpeg"):
        raise LabError("ffmpeg is missing (apt-get install ffmpeg)")
    w, h = size
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=size={w}x{h}:rate={fps}", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "veryfast", "-g", str(fps), "-pix_fmt", "yuv420p",
         str(tmp)], check=True, timeout=120)
    tmp.replace(path)
    return path


def make_noise_wav(path: Path, seconds: int = 30) -> Path:
    """Stereo pink noise at -20 dBFS: audio an AAC encoder cannot shrink below its bitrate
    (silence would encode to ~2 kbps whatever the setting)."""
    if path.exists() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"anoisesrc=color=pink:amplitude=0.1:duration={seconds}:sample_rate=48000",
         "-ac", "2", str(path)], check=True, timeout=60)
    return path


def process_cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process so far (Linux /proc), for CPU use over a window."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class StreamReading:
    """What one recorded stream holds, measured from its packets."""

    width: int
    height: int
    codec: str
    avg_frame_rate: float          # from the container's frame count over time
    frames: int
    seconds: float                 # first to last video packet, plus one frame
    video_kbps: float
    audio_kbps: float
    keyframe_times: list[float]
    keyframe_gaps: list[float]

    @property
    def fps_measured(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def _packets(path: Path, stream: str) -> list[dict]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
         "packet=pts_time,dts_time,size,flags", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout or "{}").get("packets", [])


def _rate(packets: list[dict], seconds: float) -> float:
    total = sum(int(p.get("size", 0)) for p in packets)
    return total * 8 / seconds / 1000 if seconds > 0 else 0.0


def probe_recording(path: Path, skip_seconds: float = 0.0) -> StreamReading:
    """Read a recording with ffprobe; ``skip_seconds`` leaves out the start (rate ramp-up)."""
    info = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,codec_name,avg_frame_rate", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=60, check=True)
    streams = json.loads(info.stdout or "{}").get("streams") or [{}]
    s = streams[0]
    num, _, den = (s.get("avg_frame_rate") or "0/1").partition("/")
    avg = float(num) / float(den or 1) if float(den or 1) else 0.0

    video = [p for p in _packets(path, "v:0") if p.get("pts_time") not in (None, "N/A")]
    audio = [p for p in _packets(path, "a:0") if p.get("pts_time") not in (None, "N/A")]
    if not video:
        raise LabError(f"{path}: no video packets")
    t0 = float(video[0]["pts_time"]) + skip_seconds
    video = [p for p in video if float(p["pts_time"]) >= t0]
    audio = [p for p in audio if float(p["pts_time"]) >= t0]
    times = sorted(float(p["pts_time"]) for p in video)
    frame = 1 / avg if avg else 0.0
    seconds = times[-1] - times[0] + frame
    keys = [float(p["pts_time"]) for p in video if "K" in (p.get("flags") or "")]
    keys.sort()
    return StreamReading(
        width=int(s.get("width") or 0), height=int(s.get("height") or 0),
        codec=s.get("codec_name") or "", avg_frame_rate=avg, frames=len(video),
        seconds=seconds, video_kbps=_rate(video, seconds), audio_kbps=_rate(audio, seconds),
        keyframe_times=keys, keyframe_gaps=[b - a for a, b in itertools.pairwise(keys)])
