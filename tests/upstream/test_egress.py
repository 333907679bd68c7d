import gzip
import socket
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from ipaddress import ip_address, ip_network

import pytest
import trustme
from pytest_httpserver import HTTPServer

from runners.upstream.egress import EgressPolicy, Limits, Response, get
from runners.upstream.errors import BadResponse, Blocked, Timeout, Unreachable, UpstreamError

POLICY = EgressPolicy(allow_loopback=True)
LIMITS = Limits(connect_timeout=1.0, read_timeout=2.0, deadline=1.5, max_bytes=2**20)
HUGE = 100_000_000


def fetch(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    policy: EgressPolicy = POLICY,
    limits: Limits = LIMITS,
) -> Response:
    return get(url, headers=headers, policy=policy, limits=limits)


def answer(raw: bytes) -> Callable[[socket.socket, threading.Event], None]:
    """A RawServer handler that sends raw bytes, then closes the connection."""
    return lambda conn, stopping: conn.sendall(raw)


def send_until_refused(conn: socket.socket, data: bytes, limit: int) -> int:
    """Sends data over and over until the client goes away or limit bytes went out."""
    sent = 0
    try:
        while sent < limit:
            sent += conn.send(data)
    except OSError:
        pass
    return sent


# Answers


def test_get_returns_the_status_and_body(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_data('{"system": {}}')

    response = fetch(httpserver.url_for("/api/system_stats"))

    assert (response.status, response.body) == (200, b'{"system": {}}')


def test_custom_headers_reach_the_server(httpserver):
    httpserver.expect_request("/", headers={"X-Proxy-Token": "s3cret"}).respond_with_data("ok")

    assert fetch(httpserver.url_for("/"), headers={"X-Proxy-Token": "s3cret"}).status == 200


def test_host_header_keeps_the_name_while_the_connection_goes_to_its_address(
    httpserver, connect_attempts
):
    httpserver.expect_request("/").respond_with_data("ok")

    fetch(f"http://localhost:{httpserver.port}/")

    request, _ = httpserver.log[0]
    assert request.headers["Host"] == f"localhost:{httpserver.port}"
    assert connect_attempts == [("127.0.0.1", httpserver.port)]


def test_the_name_is_looked_up_once_per_fetch(httpserver, fake_dns):
    fake_dns.records["runner.test"] = ["127.0.0.1"]
    httpserver.expect_request("/").respond_with_data("ok")

    fetch(f"http://runner.test:{httpserver.port}/")

    assert fake_dns.lookups == ["runner.test"]


def test_the_next_address_is_tried_when_one_refuses(raw_server, fake_dns, connect_attempts):
    server = raw_server(answer(b"HTTP/1.1 204 No Content\r\n\r\n"))
    fake_dns.records["runner.test"] = ["::1", "127.0.0.1"]

    response = fetch(f"http://runner.test:{server.port}/")

    assert response.status == 204
    assert connect_attempts == [("::1", server.port), ("127.0.0.1", server.port)]


def test_redirect_is_returned_and_not_followed(httpserver, connect_attempts):
    metadata = "http://169.254.169.254/latest/meta-data/"
    httpserver.expect_request("/").respond_with_data("", status=302, headers={"Location": metadata})

    response = fetch(httpserver.url_for("/"))

    assert response.status == 302
    assert connect_attempts == [("127.0.0.1", httpserver.port)]


def test_redirect_body_is_capped_like_any_other(raw_server):
    sent: list[int] = []

    def huge_redirect(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n")
        conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
        sent.append(send_until_refused(conn, b"10000\r\n" + b"x" * 0x10000 + b"\r\n", HUGE))

    server = raw_server(huge_redirect)

    with pytest.raises(BadResponse, match="larger than"):
        fetch(server.url)
    server.stop()
    assert sent[0] < HUGE // 10


def test_latency_runs_until_the_body_is_read(raw_server):
    def slow_body(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        stopping.wait(0.3)
        conn.sendall(b"ok")

    response = fetch(raw_server(slow_body).url)

    assert response.latency_ms >= 300


def test_proxies_from_the_environment_are_ignored(
    httpserver, closed_port, monkeypatch, connect_attempts
):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port}")
    httpserver.expect_request("/").respond_with_data("ok")

    assert fetch(httpserver.url_for("/")).status == 200
    assert connect_attempts == [("127.0.0.1", httpserver.port)]


# HTTPS


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusted_ca(tls_ca, tmp_path, monkeypatch) -> None:
    """Makes the client trust the test CA, through OpenSSL's SSL_CERT_FILE as an operator would."""
    ca_file = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))


@pytest.fixture
def https_server(tls_ca) -> Iterator[Callable[[str], tuple[HTTPServer, list[str]]]]:
    """Starts an HTTPS server on localhost with a certificate for a name; records SNI names."""
    servers: list[HTTPServer] = []

    def start(certificate_name: str) -> tuple[HTTPServer, list[str]]:
        sni_names: list[str] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_ca.issue_cert(certificate_name).configure_cert(context)
        context.sni_callback = lambda _sock, name, _context: sni_names.append(name)
        server = HTTPServer(ssl_context=context)
        server.expect_request("/").respond_with_data("ok")
        server.start()
        servers.append(server)
        return server, sni_names

    yield start
    for server in servers:
        server.stop()


def test_https_sends_the_name_as_sni_and_verifies_the_certificate_against_it(
    https_server, trusted_ca, connect_attempts
):
    server, sni_names = https_server("localhost")  # a certificate without an IP address

    response = fetch(f"https://localhost:{server.port}/")

    assert response.status == 200
    assert sni_names == ["localhost"]
    assert connect_attempts == [("127.0.0.1", server.port)]


def test_https_certificate_for_another_name_is_unreachable(https_server, trusted_ca):
    server, _ = https_server("other.test")

    with pytest.raises(Unreachable, match="TLS certificate of localhost"):
        fetch(f"https://localhost:{server.port}/")


# Keep-alive: one pool per runner address, a connection reused until a fetch fails


def test_fetches_of_one_server_share_one_connection(keepalive_server):
    server = keepalive_server()

    responses = [fetch(f"http://127.0.0.1:{server.port}/") for _ in range(3)]

    assert [r.body for r in responses] == [b"ok"] * 3
    assert server.accepted == 1


def test_https_fetches_of_one_server_share_one_connection(keepalive_server, tls_ca, trusted_ca):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("localhost").configure_cert(context)
    server = keepalive_server(context)

    responses = [fetch(f"https://localhost:{server.port}/") for _ in range(3)]

    assert [r.body for r in responses] == [b"ok"] * 3
    assert server.accepted == 1


def test_fetches_of_one_name_on_two_ports_use_two_connections(keepalive_server):
    first, second = keepalive_server(), keepalive_server()

    for server in (first, second, first, second):
        fetch(f"http://localhost:{server.port}/")

    assert (first.accepted, second.accepted) == (1, 1)


def test_connection_of_a_fetch_that_timed_out_is_not_reused(keepalive_server):
    server = keepalive_server()

    with pytest.raises(Timeout):
        fetch(f"http://127.0.0.1:{server.port}/slow", limits=replace(LIMITS, deadline=0.3))
    response = fetch(f"http://127.0.0.1:{server.port}/")

    assert response.body == b"ok"
    assert server.accepted == 2


def test_connection_of_an_answer_over_the_cap_is_not_reused(keepalive_server):
    server = keepalive_server()

    with pytest.raises(BadResponse, match="larger than"):
        fetch(f"http://127.0.0.1:{server.port}/big")
    response = fetch(f"http://127.0.0.1:{server.port}/")

    assert response.body == b"ok"
    assert server.accepted == 2


def test_fetches_from_many_threads_at_once_all_succeed(keepalive_server):
    server = keepalive_server()
    url = f"http://127.0.0.1:{server.port}/"

    with ThreadPoolExecutor(max_workers=40) as pool:
        bodies = list(pool.map(lambda _: fetch(url).body, range(200)))

    assert bodies == [b"ok"] * 200
    assert server.accepted <= 40


def test_cookies_a_server_sets_are_not_sent_back(httpserver):
    httpserver.expect_ordered_request("/").respond_with_data("ok", headers={"Set-Cookie": "a=b"})
    httpserver.expect_ordered_request("/").respond_with_data("ok")

    fetch(httpserver.url_for("/"))
    fetch(httpserver.url_for("/"))

    assert [request.headers.get("Cookie") for request, _ in httpserver.log] == [None, None]


def test_compressed_body_is_returned_as_sent(httpserver):
    compressed = gzip.compress(b'{"system": {}}')
    httpserver.expect_request("/", headers={"Accept-Encoding": "identity"}).respond_with_data(
        compressed, headers={"Content-Encoding": "gzip"}
    )

    assert fetch(httpserver.url_for("/")).body == compressed


def test_tls_handshake_dripped_by_the_server_is_abandoned_at_the_deadline(
    https_server, trusted_ca, drip_relay
):
    server, _ = https_server("localhost")
    relay = drip_relay(server.port)  # a byte every 0.1 s: the handshake alone would take minutes

    with pytest.raises(Timeout):
        fetch(f"https://localhost:{relay.port}/")


# Egress policy: every refusal happens before any connection


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "[::ffff:169.254.169.254]",
        "[fe80::1]",
        "100.100.100.200",
        "[fd00:ec2::254]",
        "0.0.0.0",  # noqa: S104 - a host to fetch from, not an address to bind
        "[::]",
        "224.0.0.1",
        "[ff02::1]",
        "255.255.255.255",
    ],
)
def test_metadata_link_local_and_special_addresses_are_always_blocked(host, connect_attempts):
    permissive = EgressPolicy(allow_loopback=True, allow_private=True)

    with pytest.raises(Blocked):
        fetch(f"http://{host}/latest/meta-data/", policy=permissive)
    assert connect_attempts == []


def test_name_resolving_to_the_metadata_address_is_blocked(fake_dns, connect_attempts):
    fake_dns.records["metadata.test"] = ["169.254.169.254"]

    with pytest.raises(Blocked, match=r"address of metadata\.test"):
        fetch("http://metadata.test/latest/meta-data/")
    assert connect_attempts == []


def test_name_with_any_blocked_address_is_blocked(fake_dns, connect_attempts):
    fake_dns.records["mixed.test"] = ["192.168.1.20", "169.254.169.254"]

    with pytest.raises(Blocked):
        fetch("http://mixed.test/")
    assert connect_attempts == []


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1.2.3", "[::1]", "localhost", "[::ffff:127.0.0.1]"]
)
def test_loopback_is_blocked_unless_allowed(host, connect_attempts):
    with pytest.raises(Blocked):
        fetch(f"http://{host}:8188/", policy=EgressPolicy())
    assert connect_attempts == []


@pytest.mark.parametrize(
    "host", ["10.1.2.3", "172.16.0.9", "192.168.1.20", "100.101.102.103", "fd7a:115c:a1e0::1"]
)
def test_private_and_cgnat_addresses_are_dialled_by_default(host, connect_attempts):
    url = f"http://[{host}]:8188/" if ":" in host else f"http://{host}:8188/"

    with pytest.raises(Unreachable):  # connect_attempts refuses them without sending a packet
        fetch(url, policy=EgressPolicy())
    assert connect_attempts == [(host, 8188)]


@pytest.mark.parametrize(
    "host", ["10.1.2.3", "172.16.0.9", "192.168.1.20", "100.101.102.103", "[fd7a:115c:a1e0::1]"]
)
def test_private_and_cgnat_addresses_are_blocked_when_private_is_disallowed(host, connect_attempts):
    with pytest.raises(Blocked):
        fetch(f"http://{host}:8188/", policy=EgressPolicy(allow_private=False))
    assert connect_attempts == []


def test_blocked_networks_win_over_allowed_private_ranges(connect_attempts):
    policy = EgressPolicy(blocked_networks=(ip_network("10.20.0.0/16"),))

    with pytest.raises(Blocked):
        fetch("http://10.20.1.1:8188/", policy=policy)
    assert connect_attempts == []


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1/"])
def test_schemes_other_than_http_and_https_are_blocked(url, connect_attempts):
    with pytest.raises(Blocked, match="Only http and https"):
        fetch(url)
    assert connect_attempts == []


def test_credentials_in_the_url_are_blocked(connect_attempts):
    with pytest.raises(Blocked, match="custom headers"):
        fetch("http://admin:hunter2@127.0.0.1:8188/")
    assert connect_attempts == []


@pytest.mark.parametrize(
    "url",
    [
        "http:///stats",
        "http://[::1/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1/a b",
        "http://127.0.0.1/a\tb",
        "http://127.0.0.1/caf\u00e9",
    ],
)
def test_malformed_urls_are_blocked(url, connect_attempts):
    with pytest.raises(Blocked):
        fetch(url)
    assert connect_attempts == []


# Egress policy: an address is judged by the IPv4 it embeds; what is not routable is refused

METADATA = "169.254.169.254"
TEREDO_SERVER = "4136:e378"  # a public Teredo server, 65.54.227.120


def embeddings(ipv4: str) -> list[str]:
    """ipv4 in every IPv6 form that carries one."""
    v4 = ip_address(ipv4)
    high, low = f"{int(v4) >> 16:x}", f"{int(v4) & 0xFFFF:x}"
    flipped = int(v4) ^ 0xFFFFFFFF
    return [
        f"::ffff:{ipv4}",  # IPv4-mapped
        f"::{ipv4}",  # IPv4-compatible
        f"::ffff:0:{ipv4}",  # IPv4-translated
        f"64:ff9b::{ipv4}",  # NAT64, well-known prefix
        f"64:ff9b:1::{ipv4}",  # NAT64, local-use prefix
        f"2002:{high}:{low}::1",  # 6to4
        f"2001:0:{TEREDO_SERVER}:0:0:{flipped >> 16:x}:{flipped & 0xFFFF:x}",  # Teredo client
    ]


NOT_GLOBAL = [
    "::a9fe:a9fe",
    "::127.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::808:808",
    "2002:a9fe:a9fe::1",
    "2001:0:4136:e378:8000:63bf:5601:5601",
    "192.0.0.1",
    "192.0.0.9",
    "198.18.0.1",
    "198.19.255.254",
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.1",
    "240.0.0.1",
    "2001:db8::1",
    "100::1",
    "fec0::1",
]


@pytest.mark.parametrize("address", NOT_GLOBAL)
def test_addresses_that_are_not_globally_routable_are_refused(address):
    assert not EgressPolicy(allow_private=False).permits(ip_address(address))


@pytest.mark.parametrize("address", embeddings(METADATA))
def test_metadata_address_is_refused_in_every_ipv6_form(address):
    permissive = EgressPolicy(allow_loopback=True, allow_private=True)

    assert not permissive.permits(ip_address(address))


@pytest.mark.parametrize("address", embeddings("127.0.0.1"))
def test_loopback_is_refused_in_every_ipv6_form(address):
    assert not EgressPolicy().permits(ip_address(address))


@pytest.mark.parametrize("address", embeddings("10.1.2.3"))
def test_private_address_is_refused_in_every_ipv6_form_when_private_is_disallowed(address):
    assert not EgressPolicy(allow_private=False).permits(ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"],
)
def test_globally_routable_addresses_are_permitted(address):
    assert EgressPolicy(allow_private=False).permits(ip_address(address))


@pytest.mark.parametrize("address", ["10.1.2.3", "100.64.0.1", "fd7a:115c:a1e0::1", "::1"])
def test_private_and_loopback_addresses_are_permitted_when_allowed(address):
    assert EgressPolicy(allow_loopback=True).permits(ip_address(address))


@pytest.mark.parametrize("host", ["[::a9fe:a9fe]", "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::1]"])
def test_url_embedding_the_metadata_address_is_blocked(host, connect_attempts):
    permissive = EgressPolicy(allow_loopback=True, allow_private=True)

    with pytest.raises(Blocked):
        fetch(f"http://{host}/latest/meta-data/", policy=permissive)
    assert connect_attempts == []


def test_name_resolving_to_an_address_embedding_loopback_is_blocked(fake_dns, connect_attempts):
    fake_dns.records["nat64.test"] = ["64:ff9b::7f00:1"]

    with pytest.raises(Blocked, match=r"address of nat64\.test"):
        fetch("http://nat64.test:8188/", policy=EgressPolicy())
    assert connect_attempts == []


# Failures


def test_name_that_does_not_resolve_is_unreachable(fake_dns):
    fake_dns.records["runner.invalid"] = []

    with pytest.raises(Unreachable, match=r"runner\.invalid did not resolve"):
        fetch("http://runner.invalid:8188/")


def test_refused_connection_is_unreachable(closed_port):
    with pytest.raises(Unreachable, match="refused"):
        fetch(f"http://127.0.0.1:{closed_port}/")


def test_server_that_never_answers_times_out(raw_server):
    server = raw_server(lambda conn, stopping: stopping.wait())

    with pytest.raises(Timeout):
        fetch(server.url, limits=replace(LIMITS, read_timeout=0.5))


def test_server_dripping_its_body_is_abandoned_at_the_deadline(raw_server):
    def drip_body(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        while not stopping.wait(1.0):
            conn.sendall(b"x")

    server = raw_server(drip_body)
    started = time.monotonic()

    with pytest.raises(Timeout):
        fetch(server.url)
    assert time.monotonic() - started < LIMITS.deadline + 1.0


def test_server_dripping_its_headers_is_abandoned_at_the_deadline(raw_server):
    def drip_headers(conn: socket.socket, stopping: threading.Event) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 100:
            if stopping.wait(1.0):
                return
            conn.sendall(bytes([byte]))

    server = raw_server(drip_headers)
    started = time.monotonic()

    with pytest.raises(Timeout):
        fetch(server.url)
    assert time.monotonic() - started < LIMITS.deadline + 1.0


def test_answer_that_is_not_http_is_a_bad_response(raw_server):
    server = raw_server(answer(b"SSH-2.0-OpenSSH_9.6\r\n"))

    with pytest.raises(BadResponse, match="valid HTTP"):
        fetch(server.url)


def test_body_declared_over_the_cap_is_refused_before_it_is_read(raw_server):
    sent: list[int] = []

    def huge_body(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % HUGE)
        sent.append(send_until_refused(conn, b"x" * 65536, HUGE))

    server = raw_server(huge_body)

    with pytest.raises(BadResponse, match="larger than"):
        fetch(server.url)
    server.stop()
    assert sent[0] < HUGE // 10


def test_chunked_body_over_the_cap_is_refused_at_the_cap(raw_server):
    sent: list[int] = []

    def endless_chunks(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        sent.append(send_until_refused(conn, b"10000\r\n" + b"x" * 0x10000 + b"\r\n", HUGE))

    server = raw_server(endless_chunks)

    with pytest.raises(BadResponse, match="larger than"):
        fetch(server.url)
    server.stop()
    assert sent[0] < HUGE // 10


def test_undecodable_chunked_body_is_a_bad_response(raw_server):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    server = raw_server(answer(chunked))

    with pytest.raises(BadResponse):
        fetch(server.url)


def test_negative_chunk_size_does_not_make_the_client_read_without_end(raw_server):
    sent: list[int] = []

    def negative_chunk(conn: socket.socket, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n")
        sent.append(send_until_refused(conn, b"x" * 65536, HUGE))

    server = raw_server(negative_chunk)

    with pytest.raises(BadResponse):
        fetch(server.url)
    server.stop()
    assert sent[0] < HUGE // 10


def test_body_shorter_than_declared_is_a_bad_response(raw_server):
    server = raw_server(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"))

    with pytest.raises(BadResponse, match="declared length"):
        fetch(server.url)


# Secrets


def logged(error: Exception) -> str:
    """What a log shows of an error raised from egress, apart from this test's own source lines."""
    return "".join(traceback.format_exception(type(error), error, None)) + str(error.detail)


def test_errors_name_the_host_but_not_the_query(closed_port):
    with pytest.raises(Unreachable) as caught:
        fetch(f"http://127.0.0.1:{closed_port}/stats?token=query-secret")

    assert "127.0.0.1" in caught.value.sentence
    assert "query-secret" not in logged(caught.value)


@pytest.mark.parametrize(
    "handler",
    [
        answer(b"SSH-2.0-OpenSSH_9.6\r\n"),
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"),
        answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        lambda conn, stopping: stopping.wait(),
    ],
    ids=["not-http", "cut-short", "bad-chunk", "silent"],
)
def test_errors_of_any_kind_name_neither_path_nor_query(raw_server, handler):
    server = raw_server(handler)

    with pytest.raises(UpstreamError) as caught:
        fetch(f"{server.url}path-secret?token=query-secret", limits=replace(LIMITS, deadline=0.5))

    assert "path-secret" not in logged(caught.value)
    assert "query-secret" not in logged(caught.value)


def test_header_http_cannot_carry_is_blocked_without_quoting_it(httpserver):
    with pytest.raises(Blocked, match="custom header") as caught:
        fetch(httpserver.url_for("/"), headers={"Authorization": "Bearer header-secret\r\nX: 1"})

    assert "header-secret" not in logged(caught.value)
    assert httpserver.log == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer header-secret\x00"},
        {"Authorization": " header-secret"},
        {"Authorization": "header-secret\u2019"},
        {"X-Token header-secret": "1"},
        {"X-Token:header-secret": "1"},
    ],
)
def test_other_headers_http_cannot_carry_are_blocked_without_quoting_them(httpserver, headers):
    with pytest.raises(Blocked, match="custom header") as caught:
        fetch(httpserver.url_for("/"), headers=headers)

    assert "header-secret" not in logged(caught.value)
    assert httpserver.log == []


# Settings


def test_policy_comes_from_settings(settings):
    settings.EGRESS_ALLOW_LOOPBACK = False
    settings.EGRESS_ALLOW_PRIVATE = False
    settings.EGRESS_BLOCKED_NETWORKS = ["203.0.113.0/24", "2001:db8::/32"]

    assert EgressPolicy.from_settings() == EgressPolicy(
        allow_loopback=False,
        allow_private=False,
        blocked_networks=(ip_network("203.0.113.0/24"), ip_network("2001:db8::/32")),
    )


def test_limits_come_from_settings(settings):
    settings.UPSTREAM_CONNECT_TIMEOUT = 2.0
    settings.UPSTREAM_READ_TIMEOUT = 3.0
    settings.UPSTREAM_DEADLINE = 6.0
    settings.UPSTREAM_MAX_BYTES = 1024

    assert Limits.from_settings() == Limits(
        connect_timeout=2.0, read_timeout=3.0, deadline=6.0, max_bytes=1024
    )
