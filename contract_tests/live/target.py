"""The deployment under test: where it is and how to reach it, read once with env fallbacks."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from ..core.outcome import CannotRun

ENV_BASE_URL = "LEADS_BASE_URL"
ENV_API_KEY = "LEADS_API_KEY"
ENV_SECOND_API_KEY = "LEADS_SECOND_API_KEY"
DEFAULT_MAX_EXAMPLES = 30
DEFAULT_WORKERS = 16  # checks at once: 8 measured 178 sequential round trips, 16 measured 46 (bench/verify_time.py)
API_PREFIX = "/api/v1"


class TargetError(CannotRun):
    """The kit cannot run against this target; the message says why, in one line."""


@dataclass(frozen=True)
class Target:
    base_url: str  # scheme://host[:port][/prefix], without /api/v1
    api_key: str
    second_api_key: str | None = None
    read_only: bool = False
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    workers: int = DEFAULT_WORKERS  # checks running at once; 1 runs them one by one, in file order
    # A WSGI app to call in this process instead of the network: the kit's own tests use it.
    app: Callable[..., Any] | None = None

    @property
    def leads_url(self) -> str:
        return f"{self.base_url}{API_PREFIX}/leads"

    def key_variables(self) -> dict[str, str]:
        """The keys, and the environment variables a curl command names in their place."""
        keys = {self.api_key: ENV_API_KEY}
        if self.second_api_key:
            keys[self.second_api_key] = ENV_SECOND_API_KEY
        return keys


def resolve_target(
    *,
    base_url: str | None,
    api_key: str | None,
    second_api_key: str | None = None,
    read_only: bool = False,
    max_examples: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Target:
    """Options first, then LEADS_BASE_URL, LEADS_API_KEY and LEADS_SECOND_API_KEY."""
    base_url = base_url or environ.get(ENV_BASE_URL)
    api_key = api_key or environ.get(ENV_API_KEY)
    second_api_key = second_api_key or environ.get(ENV_SECOND_API_KEY) or None
    if not base_url:
        raise TargetError(f"no deployment given: pass --base-url or set {ENV_BASE_URL}")
    if not api_key:
        raise TargetError(f"no API key given: pass --api-key or set {ENV_API_KEY}")
    if second_api_key == api_key:
        raise TargetError("the second API key must belong to another workspace, not repeat the first")
    if max_examples is not None and max_examples < 1:
        raise TargetError("--max-examples must be at least 1")
    if workers is not None and not 1 <= workers <= 64:
        raise TargetError("--workers must be from 1 to 64")
    return Target(
        base_url=_normalise(base_url),
        api_key=api_key,
        second_api_key=second_api_key,
        read_only=read_only,
        max_examples=max_examples or DEFAULT_MAX_EXAMPLES,
        seed=seed if seed is not None else secrets.randbelow(2**31),  # always known, so a run can be repeated
        workers=workers or DEFAULT_WORKERS,
    )


def _normalise(base_url: str) -> str:
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"--base-url must be an http(s) URL such as http://127.0.0.1:4010, got {base_url!r}")
    if parts.query or parts.fragment:
        raise TargetError(f"--base-url must not carry a query or fragment: {base_url!r}")
    # The contract's paths start at /api/v1; accept a base URL that already ends there.
    path = parts.path.rstrip("/").removesuffix(API_PREFIX)
    return f"{parts.scheme}://{parts.netloc}{path}"
