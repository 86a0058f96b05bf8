"""How the kit's requests leave: one requests session, guarded and observed, to a URL or a WSGI app."""

from __future__ import annotations

import io
import time
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict
from urllib3.util.retry import Retry
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .guard import SAFE_METHODS, Guard, Ledger
from .target import Target


MAX_RATE_LIMIT_WAIT_S = 60.0


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    return min(float(value), 10.0) if value.isdigit() else 1.0


class KitSession(requests.Session):
    """Every request, the kit's and Schemathesis's alike, passes the guard; every response feeds the ledger."""

    def __init__(self, guard: Guard, ledger: Ledger) -> None:
        super().__init__()
        self.guard = guard
        self.ledger = ledger
        self.trust_env = False  # a proxy from the environment must not see the keys

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        method, url = str(request.method), str(request.url)
        self.guard.check(method, url)
        response = super().send(request, **kwargs)
        waited = 0.0
        while response.status_code == 429 and waited < MAX_RATE_LIMIT_WAIT_S:
            # Rate limited: the contract says nothing changed, and Retry-After says when to come back.
            pause = _retry_after(response)
            time.sleep(pause)
            waited += pause
            response = super().send(request, **kwargs)
        if response.status_code == 413 or "close" in response.headers.get("Connection", "").lower():
            # A server may drop the connection after refusing a body it did not read, without saying
            # so: reusing that connection would fail the next request for no fault of the API.
            for adapter in self.adapters.values():
                adapter.close()
        key = str(request.headers.get("Authorization", "")).partition(" ")[2].strip()
        path = unquote(urlsplit(url).path)
        self.ledger.observe(method.upper(), path, self.guard.leads_path, response.status_code, key, response.content)
        return response


class WSGIAdapter(BaseAdapter):
    """Hands each request to a WSGI app in this process, so the kit's own tests need no server."""

    def __init__(self, app: Callable[..., Any]) -> None:
        super().__init__()
        self.app = app
        self._builder = HTTPAdapter()

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


def make_session(target: Target, guard: Guard, ledger: Ledger) -> KitSession:
    session = KitSession(guard, ledger)
    # A read that finds its kept-alive connection closed under it is sent again; writes never are.
    retry = Retry(total=2, connect=2, read=1, status=0, other=0, allowed_methods=SAFE_METHODS, raise_on_status=False)
    for prefix in ("http://", "https://"):
        session.mount(prefix, HTTPAdapter(max_retries=retry))
    if target.app is not None:
        session.mount(target.base_url + "/", WSGIAdapter(target.app))
    return session
