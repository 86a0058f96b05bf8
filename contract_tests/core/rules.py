"""The contract's rules as data: a stable id, what each says and where the contract says it; every tool reports by them."""

from __future__ import annotations

from dataclasses import dataclass

from .exchange import Exchange


@dataclass(frozen=True)
class Rule:
    """One rule of the contract: a stable id, what it says, and where the contract says it."""

    id: str
    text: str
    section: str


class ContractViolation(AssertionError):
    """A response that breaks `rule`, with the exchange that showed it."""

    def __init__(self, rule: Rule, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(f"[{rule.id}] {message}")
        self.rule = rule
        self.message = message
        self.exchange = exchange


SEED = "seed: Delete Lead"

RESPONSES_MATCH_SPEC = Rule(
    "responses-match-openapi",
    "Every response matches openapi.yaml: a documented status, its body schema and headers",
    "openapi.yaml",
)
JSON_EVERYWHERE = Rule(
    "json-content-type",
    "Every response, errors included, is application/json",
    "Transport and auth",
)
CREATE_ENVELOPE = Rule(
    "create-envelope",
    "POST /leads answers 201 {success: true, data: <lead>} with the fields as sent and the documented defaults",
    "Endpoints > Create; The lead object",
)
GET_ENVELOPE = Rule(
    "get-envelope",
    "GET /leads/{id} answers 200 {success: true, data: <lead>} with the lead as stored",
    "Endpoints > Get",
)
LIST_ENVELOPE = Rule(
    "list-envelope",
    "GET /leads answers 200 {success: true, data: {leads, pagination}}",
    "Endpoints > List",
)
DELETE_ENVELOPE = Rule(
    "delete-envelope",
    "DELETE answers 200 with exactly the seed's envelope: message 'Lead deleted successfully', data.id, data.deletedAt",
    f"Endpoints > Delete; {SEED} > Success Response",
)
NOT_FOUND_AFTER_DELETE = Rule(
    "not-found-after-delete",
    "After a delete, GET, PUT and DELETE of that id answer 404 LEAD_NOT_FOUND with the seed's details",
    f"Endpoints > Delete; {SEED} > After Deletion, 404 Not Found",
)
NOT_FOUND_NEVER_EXISTED = Rule(
    "not-found-unknown-id",
    "GET, PUT and DELETE of an id that never existed answer 404 LEAD_NOT_FOUND with the seed's details",
    f"Errors; {SEED} > 404 Not Found",
)
NOT_FOUND_MALFORMED = Rule(
    "not-found-malformed-id",
    "GET, PUT and DELETE of a malformed id answer 404 LEAD_NOT_FOUND (not 400) with the seed's details",
    f"Errors; {SEED} > 404 Not Found (invalid ID format)",
)
NOT_FOUND_OTHER_WORKSPACE = Rule(
    "other-workspace-not-found",
    "Another workspace's lead answers GET, PUT and DELETE exactly like a missing one and stays unchanged",
    f"Transport and auth; {SEED} > 404 Not Found (belongs to different workspace)",
)
ISOLATION_LIST = Rule(
    "other-workspace-unlisted",
    "A workspace's list, filters and totals never include another workspace's leads",
    "Transport and auth",
)
NO_ID_REUSE = Rule(
    "no-id-reuse",
    "No create ever returns an id seen before, deleted ones included, in any workspace",
    f"The lead object; {SEED} > After Deletion (ID cannot be reused)",
)
LIST_AFTER_DELETE = Rule(
    "list-after-delete",
    "A deleted lead is gone from the list and the totals drop by one",
    "Endpoints > Delete",
)
PAGINATION = Rule(
    "pagination-arithmetic",
    "total counts matches; totalPages = ceil(total / limit); hasNext = page < totalPages; hasPrev = page > 1",
    "Endpoints > List",
)
LIST_ORDER = Rule(
    "list-order",
    "The list is newest createdAt first, ties by id descending; pages neither overlap nor skip",
    "Endpoints > List",
)
FILTER_STATUS = Rule("filter-status", "status=<enum> lists exactly the leads with that status", "Endpoints > List")
FILTER_SOURCE = Rule("filter-source", "source=<text> lists exactly the leads with that source", "Endpoints > List")
FILTER_SEARCH = Rule(
    "filter-search",
    "search=<text> lists the leads whose name or email contains it, ignoring case (Unicode case folding) but not accents; "
    "at any length; phone, source and metadata are not searched",
    "Endpoints > List",
)
LIST_QUERY = Rule(
    "list-query-values",
    "limit defaults to 10 and allows 1-100; bad page, limit or status values are 400 naming the parameter",
    "Endpoints > List",
)
UPDATE_PARTIAL = Rule("update-partial", "PUT changes only the fields sent", "Endpoints > Update")
UPDATE_NULL_CLEARS = Rule(
    "update-null-clears",
    "PUT with null clears phone and source to null and metadata to {}",
    "Endpoints > Update",
)
UPDATE_MERGE_PATCH = Rule(
    "update-merge-patch",
    "PUT merges metadata as RFC 7396 JSON Merge Patch: objects merge, null removes a key, arrays replace",
    "Endpoints > Update",
)
UPDATE_TIMESTAMPS = Rule(
    "update-timestamps",
    "Every successful PUT makes updatedAt strictly later; createdAt never changes",
    "Endpoints > Update",
)
UPDATE_REFUSED_UNCHANGED = Rule(
    "refused-update-changes-nothing",
    "A refused PUT changes nothing, updatedAt included",
    "Endpoints > Update; Transport and auth (order of checks)",
)
VALIDATION = Rule(
    "validation-error",
    "Bad input is 400 VALIDATION_ERROR with details.errors naming the field",
    "Errors",
)
UNAUTHORIZED = Rule(
    "unauthorized",
    "A missing, non-Bearer or unknown key, or the key anywhere but after Bearer (another case, a query parameter, "
    "Basic, Token), is 401 UNAUTHORIZED with WWW-Authenticate: Bearer, before any lookup",
    "Transport and auth",
)
METHOD_NOT_ALLOWED = Rule(
    "method-not-allowed",
    "A known route with a wrong method is 405 METHOD_NOT_ALLOWED with an Allow header naming the right ones",
    "Errors; Transport and auth",
)
PAYLOAD_TOO_LARGE = Rule(
    "payload-too-large",
    "A body over 1 MiB of bytes is 413 PAYLOAD_TOO_LARGE: 1,048,576 bytes are served, 1,048,577 refused, whatever the characters",
    "Errors",
)
UNSUPPORTED_MEDIA_TYPE = Rule(
    "unsupported-media-type",
    "POST and PUT need a JSON body: other media types or none are 415; JSON with parameters or +json is accepted",
    "Errors; Endpoints > Create",
)
UNKNOWN_ROUTE = Rule("unknown-route", "An unknown route is a JSON 404 NOT_FOUND, never HTML", "Errors")
CHECK_ORDER = Rule(
    "order-of-checks",
    "Requests are checked in order: routing, auth, body size, media type, validation, lookup",
    "Transport and auth",
)
JSON_HEADER_NO_BODY = Rule(
    "json-header-without-body",
    "GET and DELETE sending Content-Type: application/json with no body are ordinary requests",
    "Transport and auth",
)
NO_SERVER_ERRORS = Rule("no-server-errors", "No request, however odd, gets a 5xx answer", "Errors (500 must never happen)")
INVALID_REJECTED = Rule(
    "invalid-input-rejected",
    "A request that breaks openapi.yaml is refused with a 4xx",
    "Errors; openapi.yaml",
)
VALID_ACCEPTED = Rule(
    "valid-input-accepted",
    "A request that follows openapi.yaml is accepted",
    "openapi.yaml",
)
CREATED_AVAILABLE = Rule(
    "created-lead-available",
    "A lead just created can be read, updated and deleted by the id the create returned",
    "Endpoints",
)
KIT_ERROR = Rule("kit-error", "The kit could run this check to the end", "the kit itself")

# Rules the concurrency, Unicode, email and search checks test.
CONCURRENT_UPDATES_APPLY = Rule(
    "concurrent-updates-all-apply",
    "Concurrent PUTs to one lead all apply; none is lost",
    "Endpoints > Update",
)
CONCURRENT_UPDATES_ORDERED = Rule(
    "concurrent-updates-ordered",
    "Simultaneous PUTs to one lead each get their own, strictly later updatedAt; the lead ends as the latest one left it",
    "Endpoints > Update",
)
CONCURRENT_DELETE_ONCE = Rule(
    "concurrent-delete-once",
    "Of simultaneous DELETEs of one lead exactly one answers 200; the others answer 404 LEAD_NOT_FOUND",
    f"Endpoints > Delete; {SEED} > After Deletion, 404 Not Found",
)
CONCURRENT_CREATE_IDS = Rule(
    "concurrent-creates-distinct-ids",
    "Simultaneous creates each get an id of their own, and every one of those leads is kept",
    f"The lead object; {SEED} > After Deletion (ID cannot be reused)",
)
NAME_LENGTH_CODE_POINTS = Rule(
    "name-length-code-points",
    "name is 1-200 Unicode code points, not UTF-16 units, bytes or characters as seen: 200 astral characters are accepted, 201 refused",
    "The lead object",
)
UNICODE_ROUND_TRIP = Rule(
    "unicode-round-trip",
    "Text comes back exactly as sent: astral characters, emoji and combining marks unnormalised; "
    "metadata keys with '.', '$' or non-ASCII letters kept as keys",
    "The lead object; Endpoints > Create (metadata is stored as sent)",
)
EMAIL_UNUSUAL_ACCEPTED = Rule(
    "email-unusual-accepted",
    "Any valid email is accepted and kept as sent: plus-addressing, subdomains, long TLDs, a digits-only local part",
    "The lead object (email: JSON Schema format email)",
)
SEARCH_LITERAL = Rule(
    "search-literal",
    "search is a literal, case-insensitive substring: %, _, .*, \\ and brackets match only themselves",
    "Endpoints > List",
)
FREE_TEXT_ACCEPTED = Rule(
    "phone-source-any-text",
    "phone and source take any string: letters, punctuation and Unicode are accepted and kept as sent",
    "The lead object",
)
# Rules of the blind spots: inputs no check used to send (read-only fields beside others, shared names
# and emails, an id in another case, the exact byte limit, text kept as sent, every 429).
READ_ONLY_REFUSED = Rule(
    "read-only-fields-refused",
    "id, createdAt, updatedAt, workspaceId or an unknown field in a create or an update is a 400 that changes nothing",
    "Endpoints > Create; Endpoints > Update",
)
STORED_AS_SENT = Rule(
    "stored-as-sent",
    "Text and metadata are stored exactly as sent by create and update: spaces, control characters and NUL kept, "
    "a blank name kept, nulls in a created metadata kept",
    "The lead object; Endpoints > Create (metadata is stored as sent)",
)
WRITES_ONE_LEAD = Rule(
    "writes-touch-one-lead",
    "A PUT or DELETE changes only the lead its id names, whatever other leads share its name or email",
    "Endpoints > Update; Endpoints > Delete",
)
IDS_EXACT = Rule(
    "ids-exact",
    "A lead id is exact: an existing lead's id in another case answers 404 LEAD_NOT_FOUND and changes nothing",
    f"The lead object; {SEED} > 404 Not Found",
)
RATE_LIMITED_ANSWER = Rule(
    "rate-limited-answer",
    "Every 429 carries Retry-After and the RATE_LIMITED error envelope",
    "Errors (429)",
)
# Rules the traffic engine (contract_tests/engine/) judges that no pytest check names alone.
NOT_FOUND_ENVELOPE = Rule(
    "not-found-envelope",
    "Every 404 LEAD_NOT_FOUND is the seed's: error 'Lead not found', details.leadId as requested, its message",
    f"Errors; {SEED} > 404 Not Found",
)
DELETED_AT_AFTER_UPDATES = Rule(
    "deleted-at-after-updates",
    "A delete's deletedAt is no earlier than the updatedAt of any state of that lead seen before",
    f"Endpoints > Delete; {SEED} > Success Response",
)
# Rules `leadkit replay` judges: a recorded session's answers are the contract's answers to those requests.
REPLAY_SAME_ANSWER = Rule(
    "replay-same-answer",
    "Replayed, each request of a recorded session gets the status and error code the contract gave it",
    "Endpoints; Errors",
)
REPLAY_LISTED = Rule(
    "replay-listed-as-recorded",
    "A lead the recorded session saw listed is listed again when the session is replayed",
    "Endpoints > List",
)
