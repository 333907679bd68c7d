"""The one HTTP GET every upstream call goes through, under the egress policy (DESIGN.md, Security).

Built on http.client and ssl rather than requests: a fetch resolves the host once, vets every
address, connects to a vetted one itself, and gives every socket read only the time left before
the deadline, headers included. No proxies from the environment, no redirects, no decompression.
"""

from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import os
import re
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from runners.upstream.errors import BadResponse, Blocked, Timeout, Unreachable

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# A family and a sockaddr, as getaddrinfo gives them.
_Address = tuple[socket.AddressFamily, tuple[Any, ...]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_DEFAULT_HEADERS = {
    "User-Agent": "comfyweb",  # some reverse proxies refuse requests without one
    "Connection": "close",  # every fetch opens a fresh connection
}
_READ_BUFFER_BYTES = 64 * 1024
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


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
        """Whether ip may be connected to; an IPv4-mapped IPv6 address is judged as its IPv4."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if _within(ip, self.blocked_networks) or _within(ip, _ALWAYS_BLOCKED):
            return False
        if _within(ip, _LOOPBACK):
            return self.allow_loopback
        if _within(ip, _PRIVATE):
            return self.allow_private
        return True


def _within(ip: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(ip in network for network in networks)


@dataclass(frozen=True)
class Limits:
    connect_timeout: float
    read_timeout: float
    deadline: float  # seconds for the whole fetch, from name lookup to the last body byte
    max_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        """The limits from UPSTREAM_* settings."""
        return cls(
            connect_timeout=settings.UPSTREAM_CONNECT_TIMEOUT,
            read_timeout=settings.UPSTREAM_READ_TIMEOUT,
            deadline=settings.UPSTREAM_DEADLINE,
            max_bytes=settings.UPSTREAM_MAX_BYTES,
        )


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    latency_ms: int


_NOT_A_URL = "The URL is not a valid http or https URL."


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line


def get(
    url: str, *, headers: Mapping[str, str] | None = None, policy: EgressPolicy, limits: Limits
) -> Response:
    """GET url and return its status and whole body, whatever the status; never follows redirects.

    Raises Blocked (not http/https, credentials in the URL, an address the policy refuses, headers
    HTTP cannot carry), Timeout, Unreachable (name, connection or TLS failure) or BadResponse (not
    HTTP, body over max_bytes or cut short). No other exception escapes; none names the URL's
    path, query or a header.
    """
    started = time.monotonic()
    deadline = started + limits.deadline
    target = _parse(url)
    with _translated_errors(target.host), _open(target, policy, limits, deadline) as sock:
        _send(sock, target, headers or {})
        response = http.client.HTTPResponse(
            # http.client only calls makefile() on what it is given as a socket.
            _DeadlineReader(sock, deadline, limits.read_timeout),  # type: ignore[arg-type]
            method="GET",
        )
        response.begin()
        body = _read_body(response, limits.max_bytes)
    return Response(response.status, body, round((time.monotonic() - started) * 1000))


def _parse(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except ValueError:  # a bad port, bracket or international name
        raise Blocked(_NOT_A_URL) from None
    if parts.scheme not in _DEFAULT_PORTS:
        raise Blocked("Only http and https URLs are allowed.")
    if parts.username is not None or parts.password is not None:
        raise Blocked("Put credentials in custom headers, not in the URL.")
    if not host:
        raise Blocked("The URL has no host name.")
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    # Checked on the whole URL: urlsplit silently drops tabs and newlines.
    if _CONTROL_OR_SPACE.search(url) or not path.isascii():
        raise Blocked(_NOT_A_URL)
    default_port = _DEFAULT_PORTS[parts.scheme]
    return _Target(parts.scheme, host, default_port if port is None else port, path)


@contextmanager
def _translated_errors(host: str) -> Iterator[None]:
    """Turns socket, TLS and HTTP errors into UpstreamErrors that name at most the host."""
    try:
        yield
    except socket.gaierror as exc:
        raise Unreachable(f"The name {host} did not resolve.", detail=_describe(exc)) from None
    except TimeoutError:
        raise Timeout(f"{host} did not answer in time.") from None
    except ssl.SSLCertVerificationError as exc:
        sentence = f"The TLS certificate of {host} could not be verified."
        raise Unreachable(sentence, detail=exc.verify_message) from None
    except ssl.SSLError as exc:
        raise Unreachable(f"The TLS connection to {host} failed.", detail=_describe(exc)) from None
    except OSError as exc:
        sentence = f"{host} refused or dropped the connection."
        raise Unreachable(sentence, detail=_describe(exc)) from None
    except http.client.HTTPException as exc:
        sentence = f"{host} did not answer with valid HTTP."
        raise BadResponse(sentence, detail=_describe(exc)) from None


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def _open(
    target: _Target, policy: EgressPolicy, limits: Limits, deadline: float
) -> Iterator[socket.socket]:
    """Yields a socket connected to a vetted address of the host, wrapped in TLS for https.

    TLS sends the host name as SNI and verifies the certificate against it, not against the IP.
    """
    with _connect(_resolve(target, policy), limits, deadline) as sock:
        if target.scheme == "http":
            yield sock
            return
        sock.settimeout(_time_left(deadline, limits.connect_timeout))
        # OpenSSL's own CA file override, so operators can trust an internal CA without a setting.
        context = _tls_context(os.environ.get("SSL_CERT_FILE"))
        with context.wrap_socket(sock, server_hostname=target.host) as tls_sock:
            yield tls_sock


def _resolve(target: _Target, policy: EgressPolicy) -> list[_Address]:
    """Looks the host up once; raises Blocked if the policy refuses any of its addresses.

    The lookup waits as long as the system resolver does: getaddrinfo takes no timeout.
    """
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0])
        if not policy.permits(ip):
            sentence = f"The address of {target.host} is blocked by the egress policy."
            raise Blocked(sentence, detail=str(ip))
    return [(family, sockaddr) for family, _, _, _, sockaddr in infos]


def _connect(addresses: list[_Address], limits: Limits, deadline: float) -> socket.socket:
    """Connects to the first address that accepts; raises the last address's error."""
    *others, last = addresses
    for address in others:
        try:
            return _connect_to(address, limits, deadline)
        except OSError:
            continue  # the next address may answer, as in socket.create_connection
    return _connect_to(last, limits, deadline)


def _connect_to(address: _Address, limits: Limits, deadline: float) -> socket.socket:
    family, sockaddr = address
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(_time_left(deadline, limits.connect_timeout))
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def _time_left(deadline: float, cap: float) -> float:
    """Seconds the next socket operation may wait; raises TimeoutError once the deadline passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return min(left, cap)


@functools.cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    # Built once per CA file: loading the system store costs ~25 ms.
    return ssl.create_default_context(cafile=ca_file)


def _send(sock: socket.socket, target: _Target, headers: Mapping[str, str]) -> None:
    connection = http.client.HTTPConnection(target.host, target.port)
    connection.default_port = _DEFAULT_PORTS[target.scheme]  # the Host header omits a default port
    connection.sock = sock
    try:
        connection.request("GET", target.path, headers={**_DEFAULT_HEADERS, **headers})
    except ValueError:  # its message quotes the header value
        raise Blocked("A custom header has characters HTTP does not allow.") from None


class _DeadlineReader(io.RawIOBase):
    """The socket as http.client reads a response: every read waits only for the time left."""

    def __init__(self, sock: socket.socket, deadline: float, read_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        self._read_timeout = read_timeout

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(self)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        self._sock.settimeout(_time_left(self._deadline, self._read_timeout))
        return self._sock.recv_into(buffer)


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The whole body; raises BadResponse if it is over max_bytes or shorter than declared."""
    if response.length is not None and response.length > max_bytes:
        raise _too_large(max_bytes)
    body = bytearray()
    buffer = memoryview(bytearray(_READ_BUFFER_BYTES))
    # readinto, not read(n): read(n) trusts a negative chunk size and reads on to the end.
    while received := response.readinto(buffer):
        body += buffer[:received]
        if len(body) > max_bytes:
            raise _too_large(max_bytes)
    if response.length:
        raise BadResponse("The answer ended before its declared length.")
    return bytes(body)


def _too_large(max_bytes: int) -> BadResponse:
    return BadResponse(f"The answer is larger than the {max_bytes:,}-byte limit.")
