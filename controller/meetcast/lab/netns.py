"""A shaped link for the lab: the ingest in a network namespace of its own, reached over a
veth pair whose host side is rate-limited with ``tc`` (tbf). That stands in for the cloud
desktop's uplink, so a benchmark can drop it from 6 to 1 Mbit/s and watch what OBS and
meetcast do.

Needs root (``ip netns``, ``tc``). Only the namespace, veth pair and /30 network this creates
are touched; the addresses are picked from 10.213.0.0/16 among those no interface uses.
Traffic never leaves the machine.
"""

from __future__ import annotations

import ipaddress
import random
import secrets
import shutil
import subprocess
from pathlib import Path

from .ingest import Ingest
from .procs import LabError, port_open, spawn, stop_process, wait_until


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


class NetNs:
    """A namespace + veth pair; :meth:`shape` sets the host→namespace rate."""

    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.name = f"meetcast-{tag}"
        self.host_if = f"mch{tag}"  # interface names: at most 15 characters
        self.ns_if = f"mcn{tag}"
        self.host_addr = ""
        self.ns_addr = ""
        self.up = False

    @staticmethod
    def _free_subnet() -> ipaddress.IPv4Network:
        used = _ip("-4", "-o", "addr", "show").stdout
        for _ in range(50):
            net = ipaddress.ip_network(f"10.213.{random.randrange(1, 254)}.0/30")
            if f" 10.213.{net.network_address.packed[2]}." not in used:
                return net
        raise LabError("no free /30 in 10.213.0.0/16 for the lab's network namespace")

    def start(self) -> NetNs:
        if not (shutil.which("ip") and shutil.which("tc")):
            raise LabError("ip and tc are needed for a shaped link (apt-get install iproute2)")
        net = self._free_subnet()
        host, ns = list(net.hosts())
        self.host_addr, self.ns_addr = str(host), str(ns)
        try:
            _ip("netns", "add", self.name)
            self.up = True
            # One segment per packet: tbf drops any packet bigger than its burst, and TCP's
            # 64 KB GSO packets over a veth would be just that (a link that stalls, not slows).
            _ip("link", "add", self.host_if, "gso_max_segs", "1", "type", "veth", "peer",
                "name", self.ns_if, "gso_max_segs", "1")
            _ip("link", "set", self.ns_if, "netns", self.name)
            _ip("addr", "add", f"{host}/30", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            self.exec_ip("addr", "add", f"{ns}/30", "dev", self.ns_if)
            self.exec_ip("link", "set", self.ns_if, "up")
            self.exec_ip("link", "set", "lo", "up")
        except subprocess.CalledProcessError as exc:
            self.stop()
            raise LabError(f"cannot make the network namespace (root needed?): "
                           f"{exc.stderr.strip()}") from None
        return self

    def exec_ip(self, *args: str) -> None:
        _ip("netns", "exec", self.name, "ip", *args)

    def shape(self, kbit: int, latency_ms: int = 200) -> None:
        """Limit what the host sends into the namespace (OBS's upload) to ``kbit`` kbit/s.
        The queue holds ``latency_ms`` of data, like a home router's buffer."""
        burst = max(kbit * 1000 // 8 // 100, 3200)  # ~10 ms of data, at least 2 packets
        subprocess.run(["tc", "qdisc", "replace", "dev", self.host_if, "root", "tbf",
                        "rate", f"{kbit}kbit", "burst", str(burst), "latency",
                        f"{latency_ms}ms"], check=True, capture_output=True)

    def unshape(self) -> None:
        subprocess.run(["tc", "qdisc", "del", "dev", self.host_if, "root"],
                       capture_output=True)
        subprocess.run(self.argv(["tc", "qdisc", "del", "dev", self.ns_if, "root"]),
                       capture_output=True)

    def shape_both(self, kbit: int, latency_ms: int = 200) -> None:
        """Both directions at ``kbit`` (a home line's upload, for everything the laptop
        sends and receives alike)."""
        self.shape(kbit, latency_ms)
        burst = max(kbit * 1000 // 8 // 100, 3200)
        subprocess.run(self.argv(["tc", "qdisc", "replace", "dev", self.ns_if, "root", "tbf",
                                  "rate", f"{kbit}kbit", "burst", str(burst), "latency",
                                  f"{latency_ms}ms"]), check=True, capture_output=True)

    def _iptables(self, *args: str) -> None:
        if not shutil.which("iptables"):
            raise LabError("iptables is needed for loss on the shaped link "
                           "(apt-get install iptables)")
        subprocess.run(self.argv(["iptables", *args]), check=True, capture_output=True)

    def loss(self, fraction: float) -> None:
        """Drop this share of packets at random, each way, inside the namespace only."""
        self._iptables("-F")
        if fraction > 0:
            for chain in ("INPUT", "OUTPUT"):
                self._iptables("-A", chain, "-m", "statistic", "--mode", "random",
                               "--probability", f"{fraction:.4f}", "-j", "DROP")

    def outage(self, on: bool, loss: float = 0.0) -> None:
        """Every packet dropped (the line is down), or back to ``loss``."""
        if on:
            self._iptables("-F")
            for chain in ("INPUT", "OUTPUT"):
                self._iptables("-A", chain, "-j", "DROP")
        else:
            self.loss(loss)

    def argv(self, argv: list[str]) -> list[str]:
        """Run ``argv`` inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def stop(self) -> None:
        if self.up:
            _ip("netns", "del", self.name, check=False)  # takes the ns end of the veth too
            self.up = False
        if _ip("link", "show", self.host_if, check=False).returncode == 0:
            _ip("link", "del", self.host_if, check=False)


class NetnsIngest(Ingest):
    """The lab's nginx-rtmp ingest, running inside a :class:`NetNs`; OBS streams to the
    namespace's address over the shaped veth. Same stats and recordings as :class:`Ingest`."""

    RTMP_PORT = 1935
    HTTP_PORT = 8080

    def __init__(self, workdir: Path, netns: NetNs) -> None:
        super().__init__(workdir, listen=netns.ns_addr, publisher=netns.host_addr)
        self.netns = netns

    def start(self, timeout: float = 10.0) -> None:
        self.prepare()
        self.rtmp_port, self.http_port = self.RTMP_PORT, self.HTTP_PORT
        conf = self.dir / "nginx.conf"
        conf.write_text(self._config())
        self.proc = spawn(self.netns.argv(["nginx", "-p", str(self.dir), "-c", str(conf)]),
                          self.dir / "nginx.out")
        try:
            wait_until("nginx in the namespace",
                       lambda: port_open(self.rtmp_port, self.netns.ns_addr)
                       and port_open(self.http_port, self.netns.ns_addr), timeout, self.proc)
        except LabError:
            stop_process(self.proc)
            raise
