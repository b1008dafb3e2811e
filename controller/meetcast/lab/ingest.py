"""A real RTMP ingest on loopback: nginx with the rtmp module, its stat page and recordings.

The stat page (``rtmp_stat all``) gives the ingest's own byte count per stream, the same
numbers NOALBS reads, so the controller's bitrate can be checked against the receiving end.
Every stream is also recorded to FLV so tests can read what arrived with ffprobe.
"""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .procs import LabError, free_port, port_open, spawn, stop_process, wait_until

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
APP = "live"


@dataclass(frozen=True)
class StreamStat:
    """One stream as nginx-rtmp sees it."""

    name: str
    bytes_in: int
    bw_in: int  # bits per second, nginx's own estimate
    width: int
    height: int
    frame_rate: float


class Ingest:
    """nginx-rtmp listening on ``listen`` and taking streams only from ``publisher``
    (both loopback here; a network namespace's two ends in ``netns.NetnsIngest``)."""

    def __init__(self, workdir: Path, listen: str = "127.0.0.1",
                 publisher: str = "127.0.0.1") -> None:
        self.dir = workdir / "ingest"
        self.record_dir = self.dir / "rec"
        self.listen = listen
        self.publisher = publisher
        self.rtmp_port = 0
        self.http_port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def server_url(self) -> str:
        """What goes in OBS's stream settings as the server."""
        return f"rtmp://{self.listen}:{self.rtmp_port}/{APP}"

    @property
    def stat_url(self) -> str:
        return f"http://{self.listen}:{self.http_port}/stat"

    def _config(self) -> str:
        return f"""
load_module {RTMP_MODULE};
worker_processes 1;
daemon off;
master_process off;
error_log {self.dir}/error.log info;
pid {self.dir}/nginx.pid;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen {self.listen}:{self.rtmp_port};
        chunk_size 4096;
        application {APP} {{
            live on;
            record all;
            record_path {self.record_dir};
            record_unique on;
            allow publish {self.publisher};
            deny publish all;
            allow play {self.publisher};
            deny play all;
        }}
    }}
}}
http {{
    access_log off;
    client_body_temp_path {self.dir}/tmp;
    proxy_temp_path {self.dir}/tmp;
    fastcgi_temp_path {self.dir}/tmp;
    uwsgi_temp_path {self.dir}/tmp;
    scgi_temp_path {self.dir}/tmp;
    server {{
        listen {self.listen}:{self.http_port};
        location /stat {{ rtmp_stat all; }}
    }}
}}
"""

    def prepare(self) -> None:
        """Check nginx is there and make the ingest's folders."""
        if not shutil.which("nginx") or not RTMP_MODULE.exists():
            raise LabError("nginx with the rtmp module is missing "
                           "(apt-get install nginx-light libnginx-mod-rtmp)")
        for d in (self.dir, self.record_dir, self.dir / "tmp"):
            d.mkdir(parents=True, exist_ok=True)

    def start(self, timeout: float = 10.0) -> None:
        self.prepare()
        for _attempt in range(5):
            self.rtmp_port, self.http_port = free_port(), free_port()
            conf = self.dir / "nginx.conf"
            conf.write_text(self._config())
            self.proc = spawn(["nginx", "-p", str(self.dir), "-c", str(conf)],
                              self.dir / "nginx.out")
            try:
                wait_until("nginx", lambda: port_open(self.rtmp_port) and
                           port_open(self.http_port), timeout, self.proc)
                return
            except LabError:
                stop_process(self.proc)  # a port was taken between probe and bind: retry
        raise LabError("nginx-rtmp did not start: see " + str(self.dir / "error.log"))

    def stats(self) -> dict[str, StreamStat]:
        """Streams being published now, by stream key."""
        with urllib.request.urlopen(self.stat_url, timeout=2) as r:
            root = ET.fromstring(r.read())
        out: dict[str, StreamStat] = {}
        for stream in root.iter("stream"):
            name = stream.findtext("name", "")
            video = stream.find("meta/video")

            def num(el: ET.Element | None, tag: str) -> float:
                return float(el.findtext(tag, "0") or 0) if el is not None else 0.0

            out[name] = StreamStat(
                name=name,
                bytes_in=int(stream.findtext("bytes_in", "0") or 0),
                bw_in=int(stream.findtext("bw_in", "0") or 0),
                width=int(num(video, "width")),
                height=int(num(video, "height")),
                frame_rate=num(video, "frame_rate"),
            )
        return out

    def recordings(self) -> list[Path]:
        """FLV files recorded so far, oldest first."""
        return sorted(self.record_dir.glob("*.flv"), key=lambda p: p.stat().st_mtime)

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
