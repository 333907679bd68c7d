"""Which addresses a fetch may connect to (DESIGN.md, Security).

An IPv6 address that carries an IPv4 address is judged as that IPv4; then anything that is not
globally routable is refused, except the private ranges and loopback the settings allow. Metadata,
link-local, multicast and the other always-blocked ranges stay blocked whatever the settings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


_ALWAYS_BLOCKED = _networks(
    "0.0.0.0/8",  # "this network": 0.0.0.0 reaches local services on Linux
    "169.254.0.0/16",  # link-local, where cloud metadata services live
    "100.100.100.200/32",  # Alibaba Cloud metadata, inside the CGNAT range allowed below
    "224.0.0.0/3",  # multicast, reserved and broadcast
    "::/128",
    "fe80::/10",
    "ff00::/8",
    "fd00:ec2::254/128",  # AWS IPv6 metadata, inside the private fc00::/7 range
)
_LOOPBACK = _networks("127.0.0.0/8", "::1/128")
# 100.64.0.0/10 (CGNAT) counts as private: Tailscale puts runners there.
_PRIVATE = _networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
# Not globally routable, whichever Python's is_global says: its table differs between versions.
_NOT_GLOBAL = _networks(
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # TEST-NET-1
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # TEST-NET-2
    "203.0.113.0/24",  # TEST-NET-3
    "100::/64",  # discard-only
    "2001::/23",  # IETF protocol assignments, Teredo included
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation
    "5f00::/16",  # segment routing
    "fec0::/10",  # deprecated site-local
    # Local-use NAT64: the operator picks where the IPv4 sits, so its IPv4 cannot be judged.
    "64:ff9b:1::/48",
)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class EgressPolicy:
    allow_loopback: bool = False
    allow_private: bool = True
    blocked_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls) -> EgressPolicy:
        """The policy from EGRESS_* settings; raises ValueError for a malformed CIDR."""
        return cls(
            allow_loopback=settings.EGRESS_ALLOW_LOOPBACK,
            allow_private=settings.EGRESS_ALLOW_PRIVATE,
            blocked_networks=_networks(*settings.EGRESS_BLOCKED_NETWORKS),
        )

    def permits(self, ip: IPAddress) -> bool:
        """Whether ip may be connected to, judging an IPv6 address by the IPv4 it embeds."""
        ip = embedded_ipv4(ip) or ip
        if _within(ip, self.blocked_networks) or _within(ip, _ALWAYS_BLOCKED):
            return False
        if _within(ip, _LOOPBACK):
            return self.allow_loopback
        if _within(ip, _PRIVATE):
            return self.allow_private
        return ip.is_global and not _within(ip, _NOT_GLOBAL)

    def refusal(self, ip: IPAddress) -> str:
        """Why `ip` is refused, naming the setting that would allow it (if any may)."""
        ip = embedded_ipv4(ip) or ip
        if _within(ip, self.blocked_networks):
            return "it is in EGRESS_BLOCKED_NETWORKS, which allows it when its range is taken out"
        if _within(ip, _ALWAYS_BLOCKED):
            return "link-local, metadata and multicast addresses are always blocked"
        if _within(ip, _LOOPBACK):
            return "loopback addresses are allowed only with EGRESS_ALLOW_LOOPBACK=1"
        if _within(ip, _PRIVATE):
            return "private addresses are allowed only with EGRESS_ALLOW_PRIVATE=1"
        return "it is not a globally routable address, and no setting allows it"


def _within(ip: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(ip in network for network in networks)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, translated, NAT64, 6to4,
    Teredo's client), or None."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.teredo:
        return ip.teredo[1]
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    # ::1 and :: are IPv6's own loopback and unspecified addresses, not IPv4-compatible ones.
    if ip in _NAT64 or ip in _IPV4_TRANSLATED or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def network_problems(cidrs: Iterable[str]) -> list[str]:
    """A sentence for each entry of EGRESS_BLOCKED_NETWORKS that is not a network."""
    problems = []
    for position, cidr in enumerate(cidrs, start=1):
        try:
            _networks(cidr)
        except ValueError:
            problems.append(
                f"Entry {position} of EGRESS_BLOCKED_NETWORKS, {cidr!r}, is not an IP network."
            )
    return problems
