"""A small keep-alive JSON client for the Leads API, with timeouts on every call."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from .harness import KEY


class Client:
    """One connection, reopened if the server closed it; not for sharing between threads."""

    def __init__(self, base_url: str, key: str = KEY, timeout_s: float = 10.0) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._timeout = timeout_s
        self._headers = {"Authorization": f"Bearer {key}"}
        self._connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(status, decoded JSON body); the body is None if it was not JSON."""
        headers = dict(self._headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request(method, path, payload, headers)
                response = self._connection.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # a kept-alive connection the server had closed: once more on a new one
                if attempt == 2:
                    raise
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, None

    def total(self) -> int:
        status, body = self.request("GET", "/api/v1/leads?limit=1")
        if status != 200:
            raise RuntimeError(f"list answered {status}: {body}")
        total: int = body["data"]["pagination"]["total"]
        return total

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
