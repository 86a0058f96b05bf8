"""The README's "For frontend developers" section (or another doc's section), cut into its code blocks, so tests can run them."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
DOCUMENTED_BASE = "http://127.0.0.1:4010"


def section(title: str = "## For frontend developers", document: Path = README) -> str:
    text = document.read_text()
    start = text.index(title)
    following = text.find("\n## ", start + len(title))
    return text[start : following if following != -1 else len(text)]


def blocks(language: str, title: str = "## For frontend developers", document: Path = README) -> list[str]:
    """The fenced blocks of one language in a section, in order."""
    return re.findall(rf"```{language}\n(.*?)```", section(title, document), re.DOTALL)


def aimed_at(text: str, base_url: str) -> str:
    """A documented snippet pointed at a test's mock instead of the default port."""
    return text.replace(DOCUMENTED_BASE, base_url)
