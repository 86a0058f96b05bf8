"""HAR 1.2 written from exchanges: `leadkit mock --record` and `leadkit proxy --record` share it."""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence
from urllib.parse import parse_qsl, urlsplit

HeaderList = Sequence[tuple[str, str]]


def har_entry(
    method: str,
    url: str,
    request_headers: HeaderList,
    request_body: bytes | None,
    status: int,
    response_headers: HeaderList,
    response_body: bytes,
    started: float,
    ended: float,
) -> dict[str, Any]:
    """One entry; times in seconds since the epoch; bodies as UTF-8 text, else base64."""
    elapsed_ms = max(0.0, (ended - started) * 1000)
    request_type = _header(request_headers, "content-type")
    entry: dict[str, Any] = {
        "startedDateTime": datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": round(elapsed_ms, 3),
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": name, "value": value} for name, value in request_headers],
            "queryString": [{"name": name, "value": value} for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
            "headersSize": -1,
            "bodySize": len(request_body or b""),
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": name, "value": value} for name, value in response_headers],
            "content": {"size": len(response_body), "mimeType": _header(response_headers, "content-type") or "", **_text(response_body)},
            "redirectURL": _header(response_headers, "location") or "",
            "headersSize": -1,
            "bodySize": len(response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(elapsed_ms, 3), "receive": 0},
    }
    if request_body:
        entry["request"]["postData"] = {"mimeType": request_type or "", **_text(request_body)}
    return entry


def har_log(entries: Iterable[dict[str, Any]], creator: str = "leadkit") -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": creator, "version": "0.1.0"}, "entries": list(entries)}}


class HarRecorder:
    """Entries kept in memory, oldest first, and written whole to `path` on `save()`."""

    def __init__(self, path: str | None, creator: str, keep: int | None = None) -> None:
        self.path = path
        self.creator = creator
        self.keep = keep  # without a file, only the last `keep` entries are held
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)
            if self.path is None and self.keep is not None and len(self._entries) > self.keep:
                del self._entries[: len(self._entries) - self.keep]

    def document(self) -> dict[str, Any]:
        with self._lock:
            return har_log(list(self._entries), self.creator)

    def save(self) -> int:
        """Write the file (atomically: a reader never sees half of it); the number of entries."""
        if self.path is None:
            return 0
        document = self.document()
        partial = f"{self.path}.partial"
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False)
        os.replace(partial, self.path)
        return len(document["log"]["entries"])


def _header(headers: HeaderList, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _text(body: bytes) -> dict[str, Any]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}
