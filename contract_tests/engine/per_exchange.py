"""The rules one exchange shows kept or broken on its own: envelopes, HTTP around the data, one list page."""

from __future__ import annotations

import math
from typing import Any, Callable

from mock_server.spec import contract_facts, load_spec

from ..core.expect import DELETED_MESSAGE, TIMESTAMP, is_lead, is_seed_not_found
from ..core.rules import (
    CREATE_ENVELOPE,
    DELETE_ENVELOPE,
    FILTER_SEARCH,
    FILTER_SOURCE,
    FILTER_STATUS,
    GET_ENVELOPE,
    IDS_EXACT,
    JSON_HEADER_NO_BODY,
    LIST_ENVELOPE,
    LIST_ORDER,
    LIST_QUERY,
    METHOD_NOT_ALLOWED,
    NO_SERVER_ERRORS,
    NOT_FOUND_ENVELOPE,
    NOT_FOUND_MALFORMED,
    PAGINATION,
    PAYLOAD_TOO_LARGE,
    RATE_LIMITED_ANSWER,
    READ_ONLY_REFUSED,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION,
    Rule,
)
from .breach import Breach
from .openapi import is_json
from .view import View

FACTS = contract_facts()  # the body limit, the statuses, the create defaults and the list's bounds, from openapi.yaml
MAX_BODY = FACTS.max_body_bytes
STATUSES = FACTS.statuses
DEFAULTS = FACTS.create_defaults
# The fields a create or an update may send (LeadCreate's): any other, read-only or unknown, is a 400.
WRITABLE = frozenset(load_spec()["components"]["schemas"]["LeadCreate"]["properties"])


def judge(view: View, keys_known: bool) -> list[Breach]:
    """Every per-exchange rule beyond the schema that this exchange can show broken."""
    found: list[Breach] = []

    def broken(rule: Rule, message: str) -> None:
        found.append(Breach(rule, message, view.exchange))

    _http(view, keys_known, broken)
    if view.status == 429:
        _rate_limited(view, broken)
    if view.forced or view.operation is None:
        return found  # a forced example answers for no lead in particular
    body = view.body
    if not isinstance(body, dict):
        return found
    if view.ok:
        _read_only_taken(view, broken)
        _other_case_served(view, body, broken)
    check = _BY_OPERATION.get((view.operation, view.status))
    if check is not None:
        check(view, body, broken)
    if view.status == 404 and view.lead_id is not None and body.get("code") == "LEAD_NOT_FOUND":
        if not is_seed_not_found(body, view.lead_id):
            broken(NOT_FOUND_ENVELOPE, f"the 404 for {view.lead_id!r} is not the seed's: {_short(body)}")
    return found


Broken = Callable[[Rule, str], None]


def _http(view: View, keys_known: bool, broken: Broken) -> None:
    """Auth, methods, media types, sizes and the seed's JSON header without a body."""
    status, method = view.status, view.method
    if status == 403 and view.operation is not None:
        broken(UNAUTHORIZED, "a refused key is answered 403; the contract answers 401 UNAUTHORIZED")
    if status >= 500 and status not in (502, 503, 504):  # those three may come from a gateway in front of it
        broken(NO_SERVER_ERRORS, f"{method} {view.path} answered {status}")
    elif keys_known and view.operation is not None and status not in (401, 403) and not view.forced and "authorization" not in view.request_headers:
        # Auth comes before everything but routing: without a key, nothing but 401 tells anything.
        broken(UNAUTHORIZED, f"{method} {view.path} without Authorization answered {status}, not 401")
    if status == 405:
        allowed = {part.strip().upper() for part in view.headers.get("allow", "").split(",") if part.strip()}
        if allowed and method in allowed:
            broken(METHOD_NOT_ALLOWED, f"405 for {method}, yet Allow names it: {view.headers['allow']!r}")
    if status == 400 and isinstance(view.body, dict) and view.body.get("code") == "VALIDATION_ERROR":
        errors = (view.body.get("details") or {}).get("errors") if isinstance(view.body.get("details"), dict) else None
        if not errors or not all(isinstance(error, dict) and isinstance(error.get("field"), str) for error in errors):
            broken(VALIDATION, f"400 VALIDATION_ERROR whose details.errors do not each name a field: {_short(view.body)}")
    body = view.exchange.request_body
    content_type = view.request_headers.get("content-type")
    if method in ("GET", "DELETE") and view.lead_id is not None and status in (400, 415):
        if content_type is not None and is_json(content_type) and not body:
            broken(JSON_HEADER_NO_BODY, f"{method} with Content-Type: application/json and no body answered {status}")
        elif status == 400 and view.operation is not None:
            broken(NOT_FOUND_MALFORMED, f"{method} of {view.lead_id!r} answered 400; a bad id is the seed's 404")
    if method in ("POST", "PUT") and view.operation is not None:
        if view.ok and not (content_type and is_json(content_type)):
            broken(UNSUPPORTED_MEDIA_TYPE, f"a body sent as {content_type or 'no Content-Type'!r} was accepted ({status})")
        if status == 415 and content_type and is_json(content_type):
            broken(UNSUPPORTED_MEDIA_TYPE, f"a JSON body sent as {content_type!r} was refused with 415")
        if view.ok and body is not None and len(body) > MAX_BODY:
            broken(PAYLOAD_TOO_LARGE, f"a body of {len(body):,} bytes (over 1 MiB) was accepted ({status})")


def _rate_limited(view: View, broken: Broken) -> None:
    """A 429 is the RATE_LIMITED error envelope with Retry-After. On the API's operations the spec's check
    judges the header (openapi.py, under this rule); here, on a wrong method or an unknown route."""
    retry_after = view.headers.get("retry-after")
    if view.operation is None and not (retry_after and retry_after.strip().isdigit()):
        broken(RATE_LIMITED_ANSWER, f"a 429 with Retry-After {retry_after!r}; it says in seconds when to try again")
    if view.exchange.response_omitted:
        return  # the recording left its body out: only the header can be judged
    body = view.body
    if not (isinstance(body, dict) and body.get("success") is False and body.get("code") == "RATE_LIMITED"):
        broken(RATE_LIMITED_ANSWER, f"a 429 without the RATE_LIMITED error envelope: {_short(body)}")


def _read_only_taken(view: View, broken: Broken) -> None:
    """A create or an update answered 2xx although it sent a field the server owns, or one the contract lacks."""
    if view.method not in ("POST", "PUT") or view.operation not in ("createLead", "updateLead"):
        return
    sent = view.sent
    if isinstance(sent, dict):
        extra = sorted(name for name in sent if name not in WRITABLE)
        if extra:
            broken(READ_ONLY_REFUSED, f"{view.method} sent {', '.join(extra[:4])} (not writable) and was answered {view.status}")


def _other_case_served(view: View, body: dict[str, Any], broken: Broken) -> None:
    """A GET, PUT or DELETE of an id answered with a lead whose id differs from it in case alone."""
    asked = view.lead_id
    data = body.get("data")
    shown = data.get("id") if isinstance(data, dict) else None
    if asked is not None and isinstance(shown, str) and shown != asked and shown.casefold() == asked.casefold():
        broken(IDS_EXACT, f"{view.method} of {asked!r} was answered {view.status} with the lead {shown!r}: ids are exact")


def _created(view: View, body: dict[str, Any], broken: Broken) -> None:
    lead = body.get("data")
    if body.get("success") is not True or not is_lead(lead) or not isinstance(lead, dict):
        broken(CREATE_ENVELOPE, f"201 is not {{success: true, data: <lead>}}: {_short(body)}")
        return
    sent = view.sent
    if isinstance(sent, dict):
        expected = {**DEFAULTS, **{name: value for name, value in sent.items() if name in DEFAULTS or name in ("name", "email")}}
        wrong = {name: lead.get(name) for name, value in expected.items() if lead.get(name) != value}
        if wrong:
            broken(CREATE_ENVELOPE, f"the created lead differs from what was sent (or the defaults): {_short(wrong)}")


def _got(view: View, body: dict[str, Any], broken: Broken) -> None:
    lead = body.get("data")
    if body.get("success") is not True or not isinstance(lead, dict) or not is_lead(lead) or lead.get("id") != view.lead_id:
        if body.get("success") is True and isinstance(lead, dict) and str(lead.get("id")).casefold() == str(view.lead_id).casefold() and is_lead(lead):
            return  # the right lead under another case of its id: ids-exact names that
        broken(GET_ENVELOPE, f"200 is not {{success: true, data: <lead {view.lead_id}>}}: {_short(body)}")


def _deleted(view: View, body: dict[str, Any], broken: Broken) -> None:
    data = body.get("data")
    if (
        body.get("success") is not True
        or body.get("message") != DELETED_MESSAGE
        or not isinstance(data, dict)
        or data.get("id") != view.lead_id
        or not (isinstance(data.get("deletedAt"), str) and TIMESTAMP.fullmatch(data["deletedAt"]))
    ):
        if (
            body.get("success") is True
            and body.get("message") == DELETED_MESSAGE
            and isinstance(data, dict)
            and data.get("id") != view.lead_id
            and str(data.get("id")).casefold() == str(view.lead_id).casefold()
            and isinstance(data.get("deletedAt"), str)
            and TIMESTAMP.fullmatch(data["deletedAt"])
        ):
            return  # a lead deleted under another case of its id: ids-exact names that
        broken(DELETE_ENVELOPE, f"the delete of {view.lead_id} is not the seed's envelope: {_short(body)}")


def _listed(view: View, body: dict[str, Any], broken: Broken) -> None:
    data = body.get("data")
    leads = data.get("leads") if isinstance(data, dict) else None
    pagination = data.get("pagination") if isinstance(data, dict) else None
    if body.get("success") is not True or not isinstance(leads, list) or not isinstance(pagination, dict):
        broken(LIST_ENVELOPE, f"200 is not {{success: true, data: {{leads, pagination}}}}: {_short(body)}")
        return
    _query_values(view, pagination, broken)
    _arithmetic(view, leads, pagination, broken)
    keys: list[tuple[str, str]] = []  # (createdAt, id) of each lead, in the order listed
    for lead in leads:
        created, lead_id = (lead.get("createdAt"), lead.get("id")) if isinstance(lead, dict) else (None, None)
        if not (isinstance(created, str) and isinstance(lead_id, str)):
            return  # the schema check names it; order and filters need every lead's id and createdAt
        keys.append((created, lead_id))
    _order(keys, broken)
    _filters(view, leads, broken)


def _query_values(view: View, pagination: dict[str, Any], broken: Broken) -> None:
    query = view.query
    for name, low, high in (("limit", FACTS.limit_min, FACTS.limit_max), ("page", FACTS.page_min, None)):
        raw = query.get(name)
        if raw is None or raw == "":
            continue
        if not (raw.isascii() and raw.isdigit()) or int(raw) < low or (high is not None and int(raw) > high):
            broken(LIST_QUERY, f"{name}={raw[:40]!r} was answered 200; it is a 400 naming {name}")
    status = query.get("status")
    if status and status not in STATUSES:
        broken(LIST_QUERY, f"status={status[:40]!r} was answered 200; it is a 400 naming status")
    limit = query.get("limit")
    in_bounds = bool(limit and limit.isascii() and limit.isdigit() and FACTS.limit_min <= int(limit) <= FACTS.limit_max)
    wanted = int(limit) if in_bounds and limit else (FACTS.limit_default if not limit else None)
    if wanted is not None and pagination.get("limit") != wanted:
        broken(LIST_QUERY, f"asked for limit {limit or '(default)'}, the answer says limit {pagination.get('limit')!r}, not {wanted}")


def _arithmetic(view: View, leads: list[Any], pagination: dict[str, Any], broken: Broken) -> None:
    page, limit, total = pagination.get("page"), pagination.get("limit"), pagination.get("total")
    if not (_is_int(page) and _is_int(limit) and _is_int(total)):
        return  # the schema check names what is wrong with them
    assert isinstance(page, int) and isinstance(limit, int) and isinstance(total, int)
    if limit < 1:
        return
    pages = math.ceil(total / limit)
    expected = {"totalPages": pages, "hasNext": page < pages, "hasPrev": page > 1}
    count = max(0, min(limit, total - (page - 1) * limit))
    asked = view.query.get("page")
    other_page = bool(asked and asked.isascii() and asked.isdigit() and int(asked) != page)
    if (
        not other_page
        and len(leads) == count
        and pagination.get("totalPages") == expected["totalPages"]
        and pagination.get("hasNext") == expected["hasNext"]
        and pagination.get("hasPrev") == expected["hasPrev"]
    ):
        return
    wrong = {name: pagination.get(name) for name, value in expected.items() if pagination.get(name) != value}
    if other_page:
        wrong["page"] = page
    if wrong or len(leads) != count:
        broken(
            PAGINATION,
            f"page {page}, limit {limit}, total {total}: expected {expected} and {count} leads, "
            f"got {wrong or 'those'} and {len(leads)} leads",
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _order(keys: list[tuple[str, str]], broken: Broken) -> None:
    for index in range(1, len(keys)):
        if keys[index] > keys[index - 1]:
            broken(LIST_ORDER, f"{keys[index][1]} (created {keys[index][0]}) is listed after {keys[index - 1][1]} (created {keys[index - 1][0]})")
            return


def _filters(view: View, leads: list[dict[str, Any]], broken: Broken) -> None:
    query = view.query
    status, source, search = query.get("status"), query.get("source"), query.get("search")
    if status in STATUSES:
        odd = [lead["id"] for lead in leads if lead.get("status") != status]
        if odd:
            broken(FILTER_STATUS, f"status={status} listed {', '.join(odd[:3])} with another status")
    if source:
        odd = [lead["id"] for lead in leads if lead.get("source") != source]
        if odd:
            broken(FILTER_SOURCE, f"source={source[:40]!r} listed {', '.join(odd[:3])} with another source")
    if search:
        odd = [lead["id"] for lead in leads if not _contains(lead, search)]
        if odd:
            broken(FILTER_SEARCH, f"search={search[:40]!r} listed {', '.join(odd[:3])}, whose name and email lack it")


def _contains(lead: dict[str, Any], needle: str) -> bool:
    """Either reading of "ignoring case" (lower() or casefold()) is the contract's."""
    haystacks = [str(lead.get("name", "")), str(lead.get("email", ""))]
    return any(fold(needle) in fold(text) for text in haystacks for fold in (str.lower, str.casefold))


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


_BY_OPERATION: dict[tuple[str, int], Callable[[View, dict[str, Any], Broken], None]] = {
    ("createLead", 201): _created,
    ("getLead", 200): _got,
    ("deleteLead", 200): _deleted,
    ("listLeads", 200): _listed,
}
