"""What a newcomer sees first: `leadkit` alone teaches its commands; counts read as English."""

from __future__ import annotations

import pytest

from contract_tests.evidence.text import count
from leadkit.cli import main


def test_leadkit_alone_lists_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "usage: leadkit" in out and "the following arguments are required" not in out
    for command in ("mock", "verify", "check", "proxy", "replay"):
        assert f"    {command} " in out


@pytest.mark.parametrize("n, noun, said", [(0, "rule", "0 rules"), (1, "rule", "1 rule"), (2, "test lead", "2 test leads"), (1500, "violation", "1,500 violations")])
def test_a_count_reads_as_english(n: int, noun: str, said: str) -> None:
    assert count(n, noun) == said
