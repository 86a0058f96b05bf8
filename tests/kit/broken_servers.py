"""Deliberately broken servers: each is the mock with one planted deviation from the contract.

The bugs are planted from outside mock_server, never as switches in it: a LeadStore subclass
swapped into one app (broken_stores.py), or middleware that answers instead of the mock or edits
its answer (broken_http.py).
"""

from __future__ import annotations

from typing import Any, Callable

import broken_blind as blind
import broken_http as http
import broken_races as races
import broken_stores as stores
import broken_text as text
from planting import with_store

BUGS: dict[str, Callable[[], Any]] = {
    "keeps-deleted": lambda: with_store(stores.KeepsDeleted),
    "reuses-ids": lambda: with_store(stores.ReusesIds),
    "counts-deleted": lambda: with_store(stores.CountsDeleted),
    "replaces-metadata": lambda: with_store(stores.ReplacesMetadata),
    "null-keeps-phone-and-source": lambda: with_store(stores.NullKeepsPhoneAndSource),
    "keeps-updated-at": lambda: with_store(stores.KeepsUpdatedAt),
    "ignores-status-filter": lambda: with_store(stores.IgnoresStatusFilter),
    "source-prefix-match": lambda: with_store(stores.SourcePrefixMatch),
    "case-sensitive-search": lambda: with_store(stores.CaseSensitiveSearch),
    "oldest-first": lambda: with_store(stores.OldestFirst),
    "lists-every-workspace": lambda: with_store(stores.ListsEveryWorkspace),
    "reads-across-workspaces": http.reads_across_workspaces,
    "deletes-across-workspaces": http.deletes_across_workspaces,
    "lookup-before-auth": http.lookup_before_auth,
    "refused-update-partly-applied": http.refused_update_partly_applied,
    "forbidden-instead-of-401": http.forbidden_instead_of_401,
    "no-www-authenticate": http.no_www_authenticate,
    "no-allow-header": http.no_allow_header,
    "error-without-code": http.error_without_code,
    "html-unknown-route": http.html_unknown_route,
    "wrong-delete-message": http.wrong_delete_message,
    "success-as-string": http.success_as_string,
    "created-at-moves-on-update": http.created_at_moves_on_update,
    "total-pages-rounded-down": http.total_pages_rounded_down,
    "validation-errors-name-no-field": http.validation_errors_name_no_field,
    "limit-over-100-accepted": http.limit_over_100_accepted,
    "malformed-id-is-400": http.malformed_id_is_400,
    "text-plain-accepted": http.text_plain_accepted,
    "charset-parameter-refused": http.charset_parameter_refused,
    "json-header-without-body-refused": http.json_header_without_body_refused,
    "lowercase-bearer-refused": http.lowercase_bearer_refused,
    "server-error-on-letter-in-phone": http.server_error_on_letter_in_phone,
    "no-body-size-limit": http.no_body_size_limit,
}

# Issue 12: races, text and search (broken_races.py, broken_text.py).


def at_once(app: Any) -> Any:
    """A race is only there when requests overlap: the kit's in-process transport lets this app take them at once."""
    app.thread_safe = True
    return app


BUGS.update(
    {
        "loses-concurrent-updates": lambda: at_once(with_store(races.LosesConcurrentUpdates)),
        "same-updated-at-for-simultaneous-puts": lambda: at_once(with_store(races.StampsFromItsRead)),
        "simultaneous-deletes-all-200": lambda: at_once(with_store(races.DeletesTwice)),
        "same-id-for-simultaneous-creates": lambda: at_once(with_store(races.IdsFromACount)),
        "name-length-in-utf16-units": text.name_length_in_utf16_units,
        "name-length-in-characters-seen": text.name_length_in_characters_seen,
        "server-error-on-astral-text": text.server_error_on_astral_text,
        "normalises-names": lambda: with_store(text.NormalisesNames),
        "nests-dotted-metadata-keys": lambda: with_store(text.NestsDottedKeys),
        "drops-dollar-metadata-keys": lambda: with_store(text.DropsDollarKeys),
        "plus-address-refused": text.plus_address_refused,
        "hand-rolled-email-pattern": text.hand_rolled_email_pattern,
        "phone-digits-only": text.phone_digits_only,
        "search-as-sql-like": lambda: with_store(text.SearchesWithLike),
        "search-as-regex": lambda: with_store(text.SearchesWithRegex),
    }
)

# Issue 22: the blind spots (broken_blind.py): bugs behind unique names, ASCII-only text, one spelling of a key.
BUGS.update(
    {
        "update-moves-workspace": blind.update_moves_workspace,
        "drops-null-metadata-on-create": lambda: with_store(blind.DropsNullMetadataOnCreate),
        "trims-names-on-update": blind.trims_names_on_update,
        "deletes-by-email": lambda: with_store(blind.DeletesByEmail),
        "updates-by-email": lambda: with_store(blind.UpdatesByEmail),
        "status-in-any-case": blind.status_in_any_case,
        "body-limit-in-characters": blind.body_limit_in_characters,
        "page-past-64-bits-is-500": blind.page_past_64_bits_is_500,
        "case-insensitive-ids": lambda: with_store(blind.CaseInsensitiveIds),
        "key-in-query-accepted": blind.key_in_query_accepted,
        "search-folds-ascii-only": lambda: with_store(blind.SearchFoldsAsciiOnly),
        "short-search-ignored": lambda: with_store(blind.ShortSearchIgnored),
        "search-reads-every-field": lambda: with_store(blind.SearchReadsEveryField),
        "rate-limited-without-retry-after": blind.rate_limited_without_retry_after,
        "server-error-on-nul": blind.server_error_on_nul,
        "blank-name-refused": blind.blank_name_refused,
        "caches-reads": blind.caches_reads,
    }
)
