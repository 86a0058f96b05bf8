"""HAR 1.2 written from exchanges, entry by entry as they end: `leadkit mock --record` and `leadkit proxy --record` share it."""

from __future__ import annotations

import base64
import json
import os
import sys
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
    """`--record`: the API's exchanges written to `path` as each ends (a `HarWriter` shared by the server's threads).

    A write the disk refuses is counted (`unrecorded`), said once on stderr, and never fails the request.
    """

    def __init__(self, path: str, creator: str) -> None:
        self.path = path
        self.unrecorded = 0
        self._writer = HarWriter(path, creator)
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            try:
                self._writer.add(entry)
            except OSError as exc:
                if not self.unrecorded:
                    print(f"leadkit mock: cannot write to {self.path} ({exc}); exchanges from now on are not recorded", file=sys.stderr, flush=True)
                self.unrecorded += 1

    def close(self) -> int:
        """The file closed (every entry is in it already); the number of entries written."""
        with self._lock:
            return self._writer.close()


class HarWriter:
    """A HAR file written entry by entry as exchanges end: after each entry's one write the file is a whole HAR
    document again, so a reader at any moment, or a `kill -9`, finds every entry written so far."""

    _TRAILER = b"\n]}}\n"

    def __init__(self, path: str, creator: str) -> None:
        self.path = path
        self.written = 0
        head = json.dumps({"version": "1.2", "creator": {"name": creator, "version": "0.1.0"}})
        start = b'{"log":' + head[:-1].encode() + b',"entries":['
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(self._fd, start + self._TRAILER)
        self._end = len(start)  # where the next entry goes: the trailer is rewritten after it

    def add(self, entry: dict[str, Any]) -> None:
        """Append one entry (one pwrite: the new entry and the trailer after it). OSError when the disk refuses."""
        if self._fd is None:
            return
        data = (b",\n" if self.written else b"\n") + json.dumps(entry, ensure_ascii=False).encode("utf-8", "surrogatepass")
        os.pwrite(self._fd, data + self._TRAILER, self._end)
        self._end += len(data)
        self.written += 1

    def close(self) -> int:
        """The file closed; the number of entries in it."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        return self.written


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
