"""What one request costs the mock in process, server excluded, beside Flask's bare per-request cost.

Run: .venv/bin/python bench/request_cost.py
Calls the WSGI app directly (no socket, no server) with the environ a server would build,
and prints microseconds per request, the best of several rounds. For scale, the same call
into a Flask app whose one route returns a constant: Flask's own request context, routing,
hooks and response object, with no work at all. The API's operations (api.py) skip that
machinery; the admin API, docs and unknown paths (a 404 here) still go through Flask.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

from flask import Flask

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import NUMBER, ROUNDS, per_call_us, print_table
from mock_server import create_app

KEY = "sk-workspace_your_api_key"
JOHN = "/api/v1/leads/lead_1234567890abcdef"
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(method: str, path: str, query: str = "", body: bytes = b"") -> dict[str, Any]:
    found: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.input_terminated": True,
        "wsgi.input": io.BytesIO(body), "HTTP_HOST": "127.0.0.1:8000", "HTTP_AUTHORIZATION": f"Bearer {KEY}",
    }
    if body:
        found.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    return found


def per_request_us(app: Wsgi, make: Callable[[], dict[str, Any]], expect: str) -> float:
    seen: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        seen.append(status)

    def one() -> None:
        b"".join(app(make(), start_response))

    one()
    if not seen[0].startswith(expect):
        raise SystemExit(f"expected {expect}, got {seen[0]}")
    return per_call_us(one)


def bare_flask() -> Flask:
    app = Flask("bare")

    @app.get("/api/v1/leads/<lead_id>")
    def constant(lead_id: str) -> tuple[bytes, int, dict[str, str]]:
        return b'{"success":true}', 200, {"Content-Type": "application/json"}

    return app


def main() -> None:
    app = create_app({"SEED": 1})
    create = b'{"name":"Ada Lovelace","email":"ada@example.com","status":"new","metadata":{"tags":["math"]}}'
    rows = [
        ("GET one lead", per_request_us(app, lambda: environ("GET", JOHN), "200")),
        ("list, limit 10", per_request_us(app, lambda: environ("GET", "/api/v1/leads", "limit=10"), "200")),
        ("list, limit 10, search", per_request_us(app, lambda: environ("GET", "/api/v1/leads", "limit=10&search=doe"), "200")),
        ("create (store grows)", per_request_us(app, lambda: environ("POST", "/api/v1/leads", body=create), "201")),
        ("401, wrong key", per_request_us(app, lambda: {**environ("GET", JOHN), "HTTP_AUTHORIZATION": "Bearer x"}, "401")),
        ("404, unknown path (through Flask)", per_request_us(app, lambda: environ("GET", "/nope"), "404")),
        ("Flask, a constant answer (for scale)", per_request_us(bare_flask(), lambda: environ("GET", JOHN), "200")),
    ]
    print_table("request", f"µs per request, in process (best of {ROUNDS} × {NUMBER})", rows)


if __name__ == "__main__":
    main()
