"""A frontend's day in one function: the calls an app makes, its mistakes included, sent to any base URL.

Driven through `leadkit proxy`, it must show no violation on a conforming server, and show
each planted bug that such traffic can show.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests


def drive(base: str, key: str, second_key: str) -> list[int]:
    """Send the session; the statuses seen, in order."""
    api = base + "/api/v1/leads"
    first, second = {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {second_key}"}
    word = "px" + secrets.token_hex(4)
    statuses: list[int] = []
    session = requests.Session()

    def send(method: str, url: str, **kwargs: Any) -> requests.Response:
        response = session.request(method, url, timeout=30, **kwargs)
        statuses.append(response.status_code)
        return response

    def create(headers: dict[str, str], n: int, **fields: Any) -> dict[str, Any]:
        body = {"name": f"Proxy {word} {n}", "email": f"{word}.{n}@example.com", **fields}
        response = send("POST", api, json=body, headers=headers)
        made: dict[str, Any] = response.json().get("data") or {}
        return made

    send("GET", api, params={"limit": 5}, headers=first)
    one = create(first, 1, phone="+1-555-0100", source=f"{word}-src", metadata={"a": 1, "keep": True})
    create(first, 2, source=f"{word}-src-b", status="contacted", metadata={"referrer": None})  # a null kept as sent
    three = create(first, 3, status="lost")
    send("GET", f"{api}/{one['id']}", headers=first)
    send("PUT", f"{api}/{one['id']}", json={"status": "contacted", "metadata": {"b": 2, "a": None}}, headers=first)
    send("PUT", f"{api}/{one['id']}", json={"phone": None, "source": None}, headers=first)
    send("PUT", f"{api}/{one['id']}", json={"status": "lost", "bogus": 1}, headers=first)  # refused: changes nothing
    send("GET", f"{api}/{one['id']}", headers=first)
    send("PUT", f"{api}/{one['id']}", json={"status": "new", "workspaceId": one.get("workspaceId")}, headers=first)  # the lead sent back: refused
    send("PUT", f"{api}/{one['id']}", json={"name": f"  Proxy  {word} 1 "}, headers=first)  # spaces kept as sent
    send("GET", api, params={"search": word, "status": "contacted"}, headers=first)
    send("GET", api, params={"search": word.upper()}, headers=first)
    send("GET", api, params={"source": f"{word}-src"}, headers=first)
    for page in (1, 2):
        send("GET", api, params={"search": word, "limit": 2, "page": page}, headers=first)
    send("DELETE", f"{api}/{three['id']}", headers=first)
    send("GET", f"{api}/{three['id']}", headers=first)
    send("GET", api, params={"search": word}, headers=first)
    again = create(first, 4)
    send("GET", f"{api}/{again['id']}", headers=first)  # read just before its delete: no cache may serve it after
    send("DELETE", f"{api}/{again['id']}", headers=first)
    send("GET", f"{api}/{again['id']}", headers=first)
    # The mistakes an app makes, and the answers the contract gives them.
    send("GET", api)  # no key
    send("GET", f"{api}/lead_{secrets.token_hex(8)}")  # no key, a lead that does not exist
    send("GET", api, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    send("GET", api, headers={"Authorization": f"bearer {key}"})  # the scheme name in lower case
    send("PATCH", f"{api}/{one['id']}", json={"status": "lost"}, headers=first)
    send("GET", base + "/api/v1/leadz", headers=first)
    send("GET", api, params={"limit": 101}, headers=first)
    send("GET", api, params={"status": "NEW"}, headers=first)  # the enum is exact
    send("GET", api, params={"page": 10**19}, headers=first)  # an infinite scroll gone far: 200, no leads
    send("GET", f"{api}/{one['id'][:5] + one['id'][5:].upper()}", headers=first)  # an id in upper case: 404
    send("POST", api, json={"name": f"Proxy {word} 5"}, headers=first)  # no email
    send("POST", api, data=b'{"name": "x", "email": "x@example.com"}', headers={**first, "Content-Type": "text/plain"})
    create({**first, "Content-Type": "application/json; charset=utf-8"}, 6)
    send("GET", f"{api}/{one['id']}", headers={**first, "Content-Type": "application/json"})  # the seed's way
    send("GET", f"{api}/lead_nonexistent123", headers=first)
    create(first, 7, phone="+1-555-CALL-NOW")
    big = {"name": f"Proxy {word} 8", "email": f"{word}.8@example.com", "metadata": {"blob": "x" * (1024 * 1024)}}
    send("POST", api, json=big, headers=first)
    # A second workspace: its own lead, then the first one's.
    theirs = create(second, 9)
    send("GET", f"{api}/{theirs['id']}", headers=second)
    send("GET", api, params={"limit": 100}, headers=second)
    send("GET", f"{api}/{one['id']}", headers=second)
    send("DELETE", f"{api}/{one['id']}", headers=second)
    return statuses
