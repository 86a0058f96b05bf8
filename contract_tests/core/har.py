"""HAR 1.2 files read into exchanges (devtools exports, Playwright's, leadkit's own; `mock_server.harfile` writes them).

Playwright's `record_har_path` may embed bodies or attach them as files beside the HAR (or
in the same .zip); devtools may base64 them or leave them out. A body left out is marked
`response_omitted`, so no rule judges what is not there.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Callable, Generator, Iterator

from .exchange import Exchange
from .outcome import CannotRun


class HarError(CannotRun):
    """The file cannot be read as HAR; the message says which file, which entry and why."""

    prefix = "cannot read "


@dataclass
class Recording:
    """A HAR's entries as exchanges, in file order, each numbered from 1."""

    path: str
    exchanges: list[Exchange]
    creator: str


def read_har(path: str) -> Recording:
    source = Path(path)
    try:
        if zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as archive:
                names = [name for name in archive.namelist() if name.endswith(".har")]
                if not names:
                    raise HarError(f"{path}: a zip archive with no .har file in it")
                document = _json(archive.read(names[0]), path)
                members = set(archive.namelist())
                attached: Callable[[str], bytes | None] = lambda name: archive.read(name) if name in members else None
                return _recording(path, document, attached)
        raw = source.read_bytes()
    except OSError as exc:
        raise HarError(f"{path}: {exc.strerror or exc}") from None
    except zipfile.BadZipFile as exc:
        raise HarError(f"{path}: {exc}") from None
    return _recording(path, _json(raw, path), _beside(source.parent))


class StreamedRecording:
    """A HAR's entries as exchanges, read one at a time as they are iterated (never the whole file in memory).

    Iterate it once; `count` is the number of entries read so far. A file that cannot be read raises
    HarError while it is iterated, naming the entry.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0
        self.creator = ""

    def __iter__(self) -> Iterator[Exchange]:
        source = Path(self.path)
        try:
            if zipfile.is_zipfile(source):
                with zipfile.ZipFile(source) as archive:
                    names = [name for name in archive.namelist() if name.endswith(".har")]
                    if not names:
                        raise HarError(f"{self.path}: a zip archive with no .har file in it")
                    members = set(archive.namelist())
                    with archive.open(names[0]) as member:
                        yield from self._entries(member, lambda name: archive.read(name) if name in members else None)
                return
            beside = _beside(source.parent)
            with open(source, "rb") as raw:
                yield from self._entries(raw, beside)
        except OSError as exc:
            raise HarError(f"{self.path}: {exc.strerror or exc}") from None
        except zipfile.BadZipFile as exc:
            raise HarError(f"{self.path}: {exc}") from None

    def _entries(self, raw: IO[bytes], attached: Callable[[str], bytes | None]) -> Iterator[Exchange]:
        try:
            for entry in _Entries(raw):
                self.count += 1
                try:
                    exchange = _exchange(entry, self.count, attached)
                except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
                    raise HarError(f"{self.path}: entry {self.count}: {_why(exc)}") from None
                yield exchange
        except _NoEntries:
            raise HarError(f"{self.path}: no log.entries list; is this a HAR file?") from None
        except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
            raise HarError(f"{self.path}: not JSON ({exc}{f', after entry {self.count}' if self.count else ''})") from None


class _NoEntries(Exception):
    """The document is JSON, but holds no log.entries list."""


class _Entries:
    """The items of a HAR's log.entries array, read from a byte stream a megabyte at a time: each item decoded
    by the json module's C decoder (raw_decode) as soon as it is whole, the keys before it skipped the same way."""

    CHUNK = 1 << 20

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.text = ""
        self.eof = False
        self.utf8 = codecs.getincrementaldecoder("utf-8-sig")()  # a byte order mark, as some exporters write, is dropped
        self.decode = json.JSONDecoder().raw_decode

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.raw.read(self.CHUNK)
        self.eof = not chunk
        self.text += self.utf8.decode(chunk, final=self.eof)
        return True

    def _at(self, pos: int) -> tuple[str, int]:
        """The first character from `pos` that is not white space ("" at the end), and where it is."""
        while True:
            text = self.text
            while pos < len(text) and text[pos] in " \t\n\r":
                pos += 1
            if pos < len(text) or not self._more():
                return (text[pos] if pos < len(text) else ""), pos

    def _value(self, pos: int) -> tuple[Any, int]:
        """The JSON value at `pos`, reading on until it is whole; a ValueError when it cannot be."""
        while True:
            try:
                return self.decode(self.text, pos)
            except ValueError:
                if not self._more():
                    raise

    def _object_keys(self, pos: int) -> Generator[tuple[str, int], int, None]:
        """The keys of the object at `pos`, each with where its value starts; the caller skips or enters the value
        and sends back where it ended."""
        char, pos = self._at(pos)
        if char != "{":
            self._value(pos)  # not JSON at all: the ValueError says where
            raise _NoEntries
        first = True
        while True:
            char, pos = self._at(pos + 1 if first else pos)
            if char == "}":
                return
            if not first:
                if char != ",":
                    raise ValueError(f"expected ',' or '}}' at character {pos}")
                char, pos = self._at(pos + 1)
            first = False
            key, pos = self._value(pos)
            char, pos = self._at(pos)
            if not isinstance(key, str) or char != ":":
                raise ValueError(f"expected a key and ':' at character {pos}")
            pos = yield key, self._at(pos + 1)[1]

    def _skip(self, pos: int) -> int:
        return self._value(pos)[1]

    def __iter__(self) -> Iterator[Any]:
        top = self._object_keys(0)
        try:
            key, pos = next(top)
            while True:
                if key == "log":
                    found = self._in_log(pos)
                    if found is not None:
                        yield from self._items(found)
                        return
                    raise _NoEntries
                key, pos = top.send(self._skip(pos))
        except StopIteration:
            raise _NoEntries from None

    def _in_log(self, pos: int) -> int | None:
        """Where log.entries' first item may start (just past its "["), or None when log has no entries list."""
        keys = self._object_keys(pos)
        try:
            key, pos = next(keys)
            while True:
                if key == "entries":
                    char, pos = self._at(pos)
                    return pos + 1 if char == "[" else None
                key, pos = keys.send(self._skip(pos))
        except StopIteration:
            return None

    def _items(self, pos: int) -> Iterator[Any]:
        first = True
        while True:
            char, pos = self._at(pos)
            if char == "]":
                return
            if not first:
                if char != ",":
                    raise ValueError(f"expected ',' or ']' between entries at character {pos}")
                pos = self._at(pos + 1)[1]
            first = False
            item, pos = self._value(pos)
            yield item
            if pos > self.CHUNK:  # what was read is done with: the text held stays about a chunk
                self.text, pos = self.text[pos:], 0


def stream_har(path: str) -> StreamedRecording:
    """The HAR at `path`, its entries read as they are iterated."""
    return StreamedRecording(path)


def _json(raw: bytes, path: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HarError(f"{path}: not JSON ({exc})") from None


def _recording(path: str, document: Any, attached: Callable[[str], bytes | None]) -> Recording:
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise HarError(f"{path}: no log.entries list; is this a HAR file?")
    creator = log.get("creator", {}).get("name", "") if isinstance(log.get("creator"), dict) else ""  # type: ignore[union-attr]
    exchanges = []
    for number, entry in enumerate(entries, 1):
        try:
            exchanges.append(_exchange(entry, number, attached))
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
            raise HarError(f"{path}: entry {number}: {_why(exc)}") from None
    return Recording(path, exchanges, str(creator))


def _exchange(entry: dict[str, Any], number: int, attached: Callable[[str], bytes | None]) -> Exchange:
    request, response = entry["request"], entry["response"]
    started = datetime.fromisoformat(str(entry["startedDateTime"]).replace("Z", "+00:00")).timestamp()
    elapsed = entry.get("time")
    elapsed_s = float(elapsed) / 1000 if isinstance(elapsed, (int, float)) and elapsed >= 0 else 0.0
    status = int(response["status"])
    if not isinstance(request["method"], str) or not isinstance(request["url"], str):
        raise ValueError("request.method and request.url must be text")
    post = request.get("postData")
    request_body = _body(post, attached) if isinstance(post, dict) else None
    content = response.get("content") or {}
    response_body = _body(content, attached)
    omitted = response_body is None and status not in (204, 304) and request["method"].upper() != "HEAD" and content.get("size", -1) != 0
    return Exchange(
        method=request["method"],
        url=request["url"],
        status=status,
        response_headers=_headers(response.get("headers", [])),
        response_body=response_body or b"",
        request_headers=_headers(request.get("headers", [])),
        request_body=request_body,
        started=started,
        ended=started + elapsed_s,
        number=number,
        response_omitted=omitted,
    )


def _headers(listed: list[dict[str, Any]]) -> dict[str, str]:
    """HAR lists headers; repeated names are joined as HTTP joins them. HTTP/2 pseudo-headers dropped."""
    headers: dict[str, str] = {}
    for header in listed:
        name, value = str(header["name"]), str(header["value"])
        if name.startswith(":"):
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _body(part: dict[str, Any], attached: Callable[[str], bytes | None]) -> bytes | None:
    """The bytes of a postData or content object, or None when the recording left them out."""
    if "_excerpt" in part:  # leadkit proxy's /__proxy/har keeps a large body's start only: not the body
        return None
    if isinstance(part.get("_file"), str):  # Playwright's "attach" mode
        return attached(part["_file"])
    text = part.get("text")
    if not isinstance(text, str):
        return None
    if part.get("encoding") == "base64":
        return base64.b64decode(text, validate=False)
    return text.encode("utf-8", "surrogatepass")


def _why(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} field"
    return f"{type(exc).__name__}: {exc}"


def _beside(folder: Path) -> Callable[[str], bytes | None]:
    """A body kept in a file beside the HAR (as Playwright attaches them), or None when there is none."""

    def read(name: str) -> bytes | None:
        try:
            return (folder / name).read_bytes()
        except OSError:
            return None

    return read
