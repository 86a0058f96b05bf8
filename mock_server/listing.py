"""One workspace's leads in list order, with what `search` looks in kept alongside.

A list with filters used to walk every lead object (~40 ms at 100k leads). Here the
searchable text sits in one flat list scanned in C, and a filter's matches are kept
until the workspace's next write, so paging through one search costs one scan.
"""

from __future__ import annotations

import bisect
from itertools import compress, repeat
from operator import contains, or_
from typing import Callable

# Filters' matches kept per workspace; a write empties them. Each holds at most one
# reference per lead (8 bytes), so a full cache of a 100k store stays near 13 MB.
CACHED_FILTERS = 16

Filters = tuple[str | None, str | None, str | None]  # status, source, casefolded search


def haystack(name: str, email: str) -> tuple[str, str]:
    """What a case-insensitive search looks in: the name and the email, each on its own.

    Never one joined string: a needle spanning the join ("quux\x00abc", or the separator
    alone) would match a lead whose name and email hold it only together.
    """
    return (name.casefold(), email.casefold())


class Listing:
    """Keys `(created_ms, id)` oldest first; `names[i]` and `emails[i]` belong to `keys[i]`."""

    def __init__(self) -> None:
        self.keys: list[tuple[int, str]] = []
        self.names: list[str] = []
        self.emails: list[str] = []
        self._found: dict[Filters, list[str]] = {}

    def add(self, key: tuple[int, str], text: tuple[str, str]) -> None:
        at = bisect.bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.names.insert(at, text[0])
        self.emails.insert(at, text[1])
        self._found.clear()

    def change(self, key: tuple[int, str], text: tuple[str, str]) -> None:
        """The lead at `key` was updated: its text may differ, and so may its status or source."""
        at = bisect.bisect_left(self.keys, key)
        self.names[at], self.emails[at] = text
        self._found.clear()

    def remove(self, key: tuple[int, str]) -> None:
        at = bisect.bisect_left(self.keys, key)
        del self.keys[at]
        del self.names[at]
        del self.emails[at]
        self._found.clear()

    def newest(self, page: int, limit: int) -> list[str]:
        """Ids of one page of the unfiltered list, newest first."""
        stop = len(self.keys) - (page - 1) * limit
        return [key[1] for key in self.keys[max(stop - limit, 0) : max(stop, 0)][::-1]]

    def matching(self, filters: Filters, keep: Callable[[str], bool] | None) -> list[str]:
        """Ids whose text holds the search and that `keep` accepts, newest first; cached."""
        found = self._found.get(filters)
        if found is None:
            needle = filters[2]
            if needle:  # `needle in text` for every lead, looped in C rather than in Python
                in_name = map(contains, self.names, repeat(needle))
                hits = compress(self.keys, map(or_, in_name, map(contains, self.emails, repeat(needle))))
                ids = [key[1] for key in hits][::-1]
            else:
                ids = [key[1] for key in reversed(self.keys)]
            found = ids if keep is None else list(filter(keep, ids))
            if len(self._found) >= CACHED_FILTERS:
                del self._found[next(iter(self._found))]  # the oldest
            self._found[filters] = found
        return found
