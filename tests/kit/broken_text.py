"""Servers that get text wrong: lengths counted another way, Unicode normalised or refused, keys read as paths,
hand-rolled email and phone patterns, and `search` read as a pattern. One deviation each."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any, Callable, Iterable, Iterator

from flask import Flask
from planting import Planted, error, everything, mock, page_of
from werkzeug.wrappers import Request, Response

from mock_server.store import Lead, LeadStore, Page

NAME_LIMIT = 200


def _sent(request: Request, body: bytes) -> Any:
    """The JSON a POST or PUT sent, else None."""
    if request.method not in ("POST", "PUT"):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _refuse(field: str, message: str) -> Response:
    return error(400, "VALIDATION_ERROR", {"errors": [{"field": field, "message": message}]})


def _refusing(field: str, refused: Callable[[str], bool], message: str) -> Planted:
    """The mock, with one more check on a string field in front of it."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        sent = _sent(request, body)
        value = sent.get(field) if isinstance(sent, dict) else None
        return _refuse(field, message) if isinstance(value, str) and refused(value) else None

    return Planted(mock(), before=before)


def name_length_in_utf16_units() -> Planted:
    """The name limit counts UTF-16 units, as JavaScript's `.length` does: 200 emoji count 400."""
    return _refusing("name", lambda name: len(name.encode("utf-16-le")) // 2 > NAME_LIMIT, "at most 200 characters")


class _RewritesBody:
    """WSGI middleware that edits the JSON body before the mock reads it."""

    def __init__(self, app: Flask, edit: Callable[[dict[str, Any]], None]) -> None:
        self.app = app
        self.edit = edit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            sent = json.loads(body)
        except ValueError:
            sent = None
        if isinstance(sent, dict) and environ["REQUEST_METHOD"] in ("POST", "PUT"):
            self.edit(sent)
            body = json.dumps(sent).encode()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        response: Iterable[bytes] = self.app(environ, start_response)
        return response


def _seen_length(text: str) -> int:
    """Characters as a reader sees them: combining marks join the letter before, two flag halves make one flag."""
    halves = sum(1 for char in text if 0x1F1E6 <= ord(char) <= 0x1F1FF)
    rest = sum(1 for char in text if not unicodedata.combining(char) and not 0x1F1E6 <= ord(char) <= 0x1F1FF)
    return rest + (halves + 1) // 2


def name_length_in_characters_seen() -> _RewritesBody:
    """The name limit counts characters as seen, and the column keeps the first 200 code points of a longer name."""

    def cut(sent: dict[str, Any]) -> None:
        name = sent.get("name")
        if isinstance(name, str) and len(name) > NAME_LIMIT and _seen_length(name) <= NAME_LIMIT:
            sent["name"] = name[:NAME_LIMIT]

    return _RewritesBody(mock(), cut)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def server_error_on_astral_text() -> Planted:
    """Any character beyond the Basic Multilingual Plane is a 500, as in a MySQL utf8 (3-byte) column."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if any(ord(char) > 0xFFFF for text in _strings(_sent(request, body)) for char in text):
            return error(500, "INTERNAL_ERROR")
        return None

    return Planted(mock(), before=before)


def _with_fields(fields: dict[str, Any], edit: Callable[[str, Any], Any]) -> dict[str, Any]:
    return {name: edit(name, value) for name, value in fields.items()}


class NormalisesNames(LeadStore):
    """Names are stored in Unicode NFC: a decomposed é comes back composed."""

    @staticmethod
    def _nfc(name: str, value: Any) -> Any:
        return unicodedata.normalize("NFC", value) if name == "name" and isinstance(value, str) else value

    def create(self, workspace_id: str, fields: dict[str, Any]) -> Lead:
        return super().create(workspace_id, _with_fields(fields, self._nfc))

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        return super().update(workspace_id, lead_id, _with_fields(changes, self._nfc))


def _expand_dots(value: Any) -> Any:
    """{"a.b": 1} as {"a": {"b": 1}}, the way a document store reads a dotted key."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        *path, last = key.split(".")
        place = out
        for part in path:
            if not isinstance(place.get(part), dict):
                place[part] = {}
            place = place[part]
        place[last] = _expand_dots(item)
    return out


def _drop_dollars(value: Any) -> Any:
    """Keys starting with `$` removed, as an operator-injection sanitiser does."""
    if not isinstance(value, dict):
        return value
    return {key: _drop_dollars(item) for key, item in value.items() if not key.startswith("$")}


class _EditsMetadata(LeadStore):
    edit: Callable[[Any], Any]

    def _metadata(self, name: str, value: Any) -> Any:
        return type(self).edit(value) if name == "metadata" else value

    def create(self, workspace_id: str, fields: dict[str, Any]) -> Lead:
        return super().create(workspace_id, _with_fields(fields, self._metadata))

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        return super().update(workspace_id, lead_id, _with_fields(changes, self._metadata))


class NestsDottedKeys(_EditsMetadata):
    """A metadata key with a dot is read as a path: {"a.b": 1} is stored as {"a": {"b": 1}}."""

    edit = staticmethod(_expand_dots)


class DropsDollarKeys(_EditsMetadata):
    """Metadata keys starting with `$` are silently dropped."""

    edit = staticmethod(_drop_dollars)


def plus_address_refused() -> Planted:
    """An email with a `+` in it is refused."""
    return _refusing("email", lambda email: "+" in email, "must be a valid email")


HAND_ROLLED_EMAIL = re.compile(r"[A-Za-z][A-Za-z0-9._-]*@[A-Za-z0-9-]+\.[A-Za-z]{2,4}")


def hand_rolled_email_pattern() -> Planted:
    """Emails are checked by a hand-rolled pattern: no plus, no subdomain, a TLD of 2-4 letters, a letter first."""
    return _refusing("email", lambda email: not HAND_ROLLED_EMAIL.fullmatch(email), "must be a valid email")


def phone_digits_only() -> Planted:
    """A phone number with a letter in it is refused, as if phone were a pattern of digits."""
    return _refusing("phone", lambda phone: bool(re.search(r"[A-Za-z]", phone)), "must be a phone number")


def _like(pattern: str) -> re.Pattern[str]:
    """SQL ILIKE '%' || pattern || '%', with backslash as its escape character."""
    out, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "")))
        else:
            out.append({"%": ".*", "_": "."}.get(char, re.escape(char)))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


class _SearchesByPattern(LeadStore):
    def matcher(self, search: str) -> Callable[[str], Any]:
        raise NotImplementedError

    def find(self, workspace_id: str, *, page: int = 1, limit: int = 10, search: str | None = None, **filters: Any) -> Page:
        found = self.matcher(search) if search else None
        leads = [lead for lead in everything(self, workspace_id, **filters) if found is None or found(lead.name) or found(lead.email)]
        return page_of(leads, page, limit)


class SearchesWithLike(_SearchesByPattern):
    """search= is put into SQL LIKE unescaped: % and _ are wildcards, \\ an escape."""

    def matcher(self, search: str) -> Callable[[str], Any]:
        return _like(search).search


class SearchesWithRegex(_SearchesByPattern):
    """search= is compiled as a regular expression: .* matches anything, [ is an error (500)."""

    def matcher(self, search: str) -> Callable[[str], Any]:
        return re.compile(search, re.IGNORECASE).search
