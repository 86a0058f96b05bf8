"""`leadkit ...` run in this process through `leadkit.cli.main`, for what a subprocess would prove nothing more about.

Arguments, help, exit codes and messages: the answer has a subprocess's shape (`returncode`,
`stdout`, `stderr`), so a test reads the same either way. Each command keeps one subprocess
test of its own; tests whose point is a real process (signals, ports, a server) stay processes.
"""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from unittest import mock

from leadkit.cli import main


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _refuse_to_serve(*args: object, **kwargs: object) -> None:
    raise AssertionError("leadkit mock began to serve in the test's process: it should have refused its arguments first")


def leadkit(*args: str, env: dict[str, str] | None = None) -> Ran:
    """`leadkit *args` in this process, with no LEADS_* variable but those of `env`; never serves."""
    out, err = io.StringIO(), io.StringIO()
    environ = {name: value for name, value in os.environ.items() if not name.startswith("LEADS_")}
    environ.update(env or {}, COLUMNS="80")  # help wrapped as without a terminal, like a subprocess's
    with mock.patch.dict(os.environ, environ, clear=True), mock.patch("mock_server.serve.serve", _refuse_to_serve):
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse: --help, --version, a refused argument
                code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
    return Ran(code, out.getvalue(), err.getvalue())
