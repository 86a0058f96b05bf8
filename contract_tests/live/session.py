"""How the kit's requests leave: one requests session, guarded and observed, to a URL or a WSGI app."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict
from urllib3.util.retry import Retry
from werkzeug.test import EnvironBuilder, run_wsgi_app

from ..core.exchange import Exchange
from ..engine.coverage import Seen
from .guard import SAFE_METHODS, Guard, Ledger
from .interrupt import Interrupted, Stopper
from .target import Target

RATE_LIMITED_TRIES = 8  # a 429 is sent again this many times at most, each after its Retry-After (10 s at most)


class RateLimited(requests.RequestException):
    """Still 429 after every wait: the kit could not get an answer (never the deployment's fault)."""


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    return min(float(value), 10.0) if value.isdigit() else 1.0


class KitSession(requests.Session):
    """Every request, the kit's and Schemathesis's alike, passes the guard; every response feeds the ledger.

    Safe to share between threads: checks running at once send through the same session.
    """

    def __init__(self, guard: Guard, ledger: Ledger, stopper: Stopper | None = None, seen: Seen | None = None) -> None:
        super().__init__()
        self.guard = guard
        self.ledger = ledger
        self.stopper = stopper or Stopper()
        self.seen = seen
        self.trust_env = False  # a proxy from the environment must not see the keys
        self.sent = 0  # requests that reached the deployment, 429s waited out included
        self.rate_limited = 0  # 429 answers waited out
        self.waited_s = 0.0
        self._count_lock = threading.Lock()
        # Told each 429 before it is waited out (the client judges it: Retry-After, the envelope).
        self.on_rate_limited: Callable[[Exchange], None] | None = None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        method, url = str(request.method), str(request.url)
        self.guard.check(method, url)
        self.stopper.before_send()  # after a Ctrl-C nothing new leaves
        try:
            response = self._send_patiently(request, **kwargs)
            if response.status_code == 413 or "close" in response.headers.get("Connection", "").lower():
                # A server may drop the connection after refusing a body it did not read, without saying
                # so: reusing that connection would fail the next request for no fault of the API.
                for adapter in self.adapters.values():
                    adapter.close()
            # The one Exchange of this answer, its body parsed once for the ledger, the client and the engine;
            # dated by the attempt that got it (a 429 waited out before it is not its time).
            exchange = Exchange.from_response(response, request.leadkit_sent_at, time.time())  # type: ignore[attr-defined]
            response.leadkit_exchange = exchange  # type: ignore[attr-defined]
            key = str(request.headers.get("Authorization", "")).partition(" ")[2].strip()
            path = unquote(urlsplit(url).path)
            self.ledger.observe(method.upper(), path, self.guard.leads_path, response.status_code, key, exchange.json)
        finally:
            self.stopper.after_send()  # the answer is recorded: now a Ctrl-C may stop this thread
        return response

    def _send_patiently(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send; while rate limited, wait as Retry-After says and send again (a 429 changed nothing)."""
        for _ in range(RATE_LIMITED_TRIES):
            # When this attempt left: the exchange's start, for the engine's "one ended before the other
            # began" (generated responses, fuzz.py, are judged later, in another check's time).
            request.leadkit_sent_at = time.time()  # type: ignore[attr-defined]
            response = super().send(request, **kwargs)
            self._count(request, response)
            if response.status_code != 429:
                return response
            if self.on_rate_limited is not None:
                self.on_rate_limited(Exchange.from_response(response, request.leadkit_sent_at, time.time()))  # type: ignore[attr-defined]
            wait = _retry_after(response)
            with self._count_lock:
                self.rate_limited += 1
                self.waited_s += wait
            if self.stopper.stopped.wait(wait) and not self.stopper.cleaning:
                raise Interrupted
        raise RateLimited(f"{request.method} {request.url} still answered 429 after {RATE_LIMITED_TRIES} waits")

    def _count(self, request: requests.PreparedRequest, response: requests.Response) -> None:
        with self._count_lock:
            self.sent += 1
        if self.seen is not None:
            self.seen.record(str(request.method), urlsplit(str(request.url)).path, response.status_code)


class WSGIAdapter(BaseAdapter):
    """Hands each request to a WSGI app in this process, so the kit's own tests need no server.

    One request at a time, as a server with one worker would: the kit's checks still run at once,
    but a planted bug's middleware need not be thread-safe. An app that says it is thread-safe
    (`app.thread_safe = True`: the races planted for the concurrency checks) gets requests at once.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        super().__init__()
        self.app = app
        self._builder = HTTPAdapter()
        self._one_at_a_time: contextlib.AbstractContextManager[Any] = threading.Lock() if not getattr(app, "thread_safe", False) else contextlib.nullcontext()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(str(request.url))
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        environ = EnvironBuilder(
            path=parts.path,  # still quoted: the builder decodes PATH_INFO itself
            query_string=parts.query,
            base_url=f"{parts.scheme}://{parts.netloc}",
            method=str(request.method),
            headers=list(request.headers.items()),
            data=body,
        ).get_environ()
        with self._one_at_a_time:
            app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
            content = b"".join(app_iter)
        raw = HTTPResponse(
            body=io.BytesIO(content),
            headers=HTTPHeaderDict(list(headers.items())),
            status=int(status.split(" ", 1)[0]),
            reason=status.partition(" ")[2],
            version=11,
            preload_content=False,
            decode_content=False,
        )
        return self._builder.build_response(request, raw)

    def close(self) -> None:
        pass


def make_session(target: Target, guard: Guard, ledger: Ledger, stopper: Stopper | None = None, seen: Seen | None = None) -> KitSession:
    session = KitSession(guard, ledger, stopper, seen)
    pool = max(10, 4 * target.workers)  # a connection per request in flight: checks and generated cases at once
    # A read that finds its kept-alive connection closed under it is sent again; writes never are.
    retry = Retry(total=2, connect=2, read=1, status=0, other=0, allowed_methods=SAFE_METHODS, raise_on_status=False)
    for prefix in ("http://", "https://"):
        session.mount(prefix, HTTPAdapter(max_retries=retry, pool_connections=pool, pool_maxsize=pool))
    if target.app is not None:
        session.mount(target.base_url + "/", WSGIAdapter(target.app))
    return session
