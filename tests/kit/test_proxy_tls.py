"""`leadkit proxy --target https://...`: the target's certificate is checked, by the system's trust or SSL_CERT_FILE."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from io import StringIO
from pathlib import Path
from typing import Iterator

import pytest
import requests
from kit_helpers import KEY
from livemock import ensure_command

from contract_tests.proxy.app import Proxy
from contract_tests.proxy.serve import InThread

PAGE = b'{"success":true,"data":{"leads":[],"pagination":{"page":1,"limit":10,"total":0,"totalPages":0,"hasNext":false,"hasPrev":false}}}'


class _Leads(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "localhost.crt", folder / "localhost.key"
    openssl = ensure_command("openssl", "openssl")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@pytest.fixture
def https_target(certificate: tuple[Path, Path]) -> Iterator[str]:
    """A TLS server on loopback with a self-signed certificate, answering an empty list page."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Leads)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_trusted_https_target_is_forwarded_and_judged(https_target: str, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # as a staging server's CA would be trusted
    with InThread(Proxy(https_target, out=StringIO())) as proxy:
        reply = requests.get(f"{proxy.url}/api/v1/leads", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
        report = requests.get(f"{proxy.url}/__proxy/violations", timeout=10).json()
    assert (reply.status_code, reply.content) == (200, PAGE)
    assert (report["judged"], report["violations"], report["upstreamErrors"]) == (1, [], 0)


def test_an_untrusted_certificate_is_a_502_naming_it_not_a_violation(https_target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    out = StringIO()
    with InThread(Proxy(https_target, out=out)) as proxy:
        reply = requests.get(f"{proxy.url}/api/v1/leads", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
        report = requests.get(f"{proxy.url}/__proxy/violations", timeout=10).json()
    assert reply.status_code == 502
    assert reply.json()["code"] == "BAD_GATEWAY"
    assert "CERTIFICATE_VERIFY_FAILED" in reply.json()["details"]["reason"]
    assert (report["judged"], report["violations"], report["upstreamErrors"]) == (0, [], 1)
    assert "unreachable" in out.getvalue()
