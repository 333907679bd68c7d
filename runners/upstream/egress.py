"""The one HTTP GET every upstream call goes through, under the egress policy (DESIGN.md, Security).

Built on one requests Session per process. A fetch resolves the host once, vets every address
(policy.py), and sends the request through a connection pool pinned to a vetted address: the pool
connects to the IP while the Host header, SNI and the certificate check use the name. Pools are
kept per scheme, name, port, address and CA file, so the fetches of one runner reuse one
kept-alive connection. A watchdog (deadline.py) shuts the connection down at the fetch's total
deadline, headers and body included. No proxies or netrc from the environment, no redirects, no
cookies, no decompression. Nothing else in comfyweb imports requests or sees its exceptions.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import ipaddress
import os
import re
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3
from django.conf import settings
from requests.structures import CaseInsensitiveDict

from runners.upstream import deadline, pinning
from runners.upstream.errors import BadResponse, Blocked, Timeout, Unreachable, UpstreamError
from runners.upstream.pinning import Pin, PinnedRequest
from runners.upstream.policy import EgressPolicy

__all__ = ["EgressPolicy", "Limits", "Response", "get", "post", "vet"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_DEFAULT_HEADERS = {
    "User-Agent": "comfyweb",  # some reverse proxies refuse requests without one
    "Accept-Encoding": "identity",  # bodies are capped as sent, never inflated
}
_READ_BYTES = 64 * 1024
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"(?:[\x21-\x7e\x80-\xff][\t\x20-\x7e\x80-\xff]*)?")


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

    @property
    def authority(self) -> str:
        """The Host header: the name, bracketed if it is an IPv6 address, and a port not the
        scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def get(
    url: str, *, headers: Mapping[str, str] | None = None, policy: EgressPolicy, limits: Limits
) -> Response:
    """GET url and return its status and whole body, whatever the status; never follows redirects.

    Raises Blocked (not http/https, credentials in the URL, an address the policy refuses, headers
    HTTP cannot carry), Timeout, Unreachable (name, connection or TLS failure) or BadResponse (not
    HTTP, body over max_bytes or cut short). No other exception escapes; none names the URL's
    path, query or a header.
    """
    return _request("GET", url, None, headers, policy, limits)


def post(
    url: str, body: bytes, *, headers: Mapping[str, str], policy: EgressPolicy, limits: Limits
) -> Response:
    """POST body to url (an alert to a webhook) under the same policy and errors as `get`."""
    return _request("POST", url, body, headers, policy, limits)


def _request(
    method: str,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str] | None,
    policy: EgressPolicy,
    limits: Limits,
) -> Response:
    started = time.monotonic()
    target = _parse(url)
    request = _prepare(target, headers or {}, method, body)
    watch = deadline.watch(started + limits.deadline)
    with _translated_errors(target.host, watch):
        addresses = _resolve(target, policy)
        status, body = _exchange(request, target, addresses, limits, watch)
    return Response(status, body, round((time.monotonic() - started) * 1000))


def vet(url: str, policy: EgressPolicy) -> None:
    """Check a URL as `get` would before connecting: raises Blocked (the reason naming the
    setting that allows it) or Unreachable when its name does not resolve; sends nothing."""
    target = _parse(url)
    with _translated_errors(target.host, deadline.watch(time.monotonic() + 30)):
        _resolve(target, policy)


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


def _prepare(
    target: _Target, headers: Mapping[str, str], method: str = "GET", body: bytes | None = None
) -> PinnedRequest:
    """The request with our headers and the caller's; raises Blocked, quoting no header value."""
    merged = CaseInsensitiveDict({**_DEFAULT_HEADERS, "Host": target.authority})
    merged.update(headers)
    if not all(_HEADER_NAME.fullmatch(name) for name in merged):
        raise Blocked("A custom header has a name HTTP does not allow.")
    if not all(
        isinstance(value, str) and _HEADER_VALUE.fullmatch(value) for value in merged.values()
    ):
        raise Blocked("A custom header has characters HTTP does not allow.")
    request = PinnedRequest()
    url = f"{target.scheme}://{target.authority}{target.path}"
    try:
        request.prepare(method=method, url=url, headers=merged, data=body)
    except (requests.RequestException, ValueError):
        raise Blocked(_NOT_A_URL) from None
    return request


def _resolve(target: _Target, policy: EgressPolicy) -> list[str]:
    """Looks the host up once; raises Blocked if the policy refuses any of its addresses.

    The lookup waits as long as the system resolver does: getaddrinfo takes no timeout.
    """
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in infos))
    for address in addresses:
        if not policy.permits(ipaddress.ip_address(address)):
            reason = policy.refusal(ipaddress.ip_address(address))
            sentence = f"The address of {target.host} is blocked by the egress policy: {reason}."
            raise Blocked(sentence, detail=address)
    return addresses


def _exchange(
    request: PinnedRequest,
    target: _Target,
    addresses: list[str],
    limits: Limits,
    watch: deadline.Watch,
) -> tuple[int, bytes]:
    """The status and body from the first address that accepts a connection."""
    ca_file = os.environ.get("SSL_CERT_FILE")  # OpenSSL's own override, as operators expect
    *others, last = addresses
    for address in others:
        request.pin = Pin(target.scheme, target.host, target.port, address, ca_file)
        try:
            return _send_and_read(request, limits, watch)
        except requests.ConnectionError as exc:
            if not _could_not_connect(exc, watch):
                raise
            # The next address may answer, as in socket.create_connection.
    request.pin = Pin(target.scheme, target.host, target.port, last, ca_file)
    return _send_and_read(request, limits, watch)


def _could_not_connect(exc: requests.ConnectionError, watch: deadline.Watch) -> bool:
    connecting = urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError
    return _caused_by(exc, *connecting) and not watch.expired


def _send_and_read(
    request: PinnedRequest, limits: Limits, watch: deadline.Watch
) -> tuple[int, bytes]:
    response = _send(request, limits, watch)
    try:
        body = _read_body(response.raw, limits.max_bytes)
    except BaseException:
        _discard(response.raw)
        raise
    if not watch.finish():
        raise TimeoutError
    return response.status_code, body


def _send(request: PinnedRequest, limits: Limits, watch: deadline.Watch) -> requests.Response:
    """The response with its headers read and its body not yet."""
    timeout = (
        _time_left(watch, limits.connect_timeout),
        _time_left(watch, limits.read_timeout),
    )
    pinning.fetching.watch = watch
    return pinning.session().send(request, stream=True, allow_redirects=False, timeout=timeout)


def _time_left(watch: deadline.Watch, cap: float) -> float:
    """Seconds the next socket operation may wait; raises TimeoutError once the deadline passed."""
    left = watch.deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return min(left, cap)


def _read_body(raw: urllib3.HTTPResponse, max_bytes: int) -> bytes:
    """The whole body; raises BadResponse if it is over max_bytes or shorter than declared."""
    if raw.length_remaining is not None and raw.length_remaining > max_bytes:
        raise _too_large(max_bytes)
    body = bytearray()
    while chunk := raw.read(_READ_BYTES, decode_content=False):
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(max_bytes)
    return bytes(body)


def _too_large(max_bytes: int) -> BadResponse:
    return BadResponse(f"The answer is larger than the {max_bytes:,}-byte limit.")


def _discard(raw: urllib3.HTTPResponse) -> None:
    """Closes the connection of a fetch that failed, so its pool opens a fresh one next time."""
    raw.close()
    raw.release_conn()


# Errors


@contextmanager
def _translated_errors(host: str, watch: deadline.Watch) -> Iterator[None]:
    """Turns socket, TLS and HTTP errors into UpstreamErrors that name at most the host."""
    try:
        yield
    except UpstreamError:
        watch.finish()
        raise
    except Exception as exc:
        expired = not watch.finish()
        error = Timeout(f"{host} did not answer in time.") if expired else _translated(exc, host)
        if error is None:
            raise
        raise error from None


def _translated(exc: Exception, host: str) -> UpstreamError | None:
    """The UpstreamError for exc, judged by the error at the root of its chain, or None."""
    root = _root(exc)
    if isinstance(root, socket.gaierror):
        return Unreachable(f"The name {host} did not resolve.", detail=_describe(root))
    if isinstance(root, TimeoutError):
        return Timeout(f"{host} did not answer in time.")
    if isinstance(root, ssl.SSLCertVerificationError):
        sentence = f"The TLS certificate of {host} could not be verified."
        return Unreachable(sentence, detail=root.verify_message or str(root))
    if isinstance(root, ssl.SSLError):
        return Unreachable(f"The TLS connection to {host} failed.", detail=_describe(root))
    if _caused_by(exc, urllib3.exceptions.IncompleteRead) and not _caused_by(exc, ValueError):
        return BadResponse("The answer ended before its declared length.")
    if isinstance(root, OSError):
        sentence = f"{host} refused or dropped the connection."
        return Unreachable(sentence, detail=_describe(root))
    if isinstance(root, http.client.HTTPException | urllib3.exceptions.HTTPError | ValueError):
        sentence = f"{host} did not answer with valid HTTP."
        return BadResponse(sentence, detail=_describe(root))
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """exc and the errors it was raised from, outermost first."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _root(exc: BaseException) -> BaseException:
    *_, root = _chain(exc)
    return root


def _caused_by(exc: BaseException, *kinds: type[BaseException]) -> bool:
    return any(isinstance(link, kinds) for link in _chain(exc))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
