"""The pytest plugin's stable name (`-p contract_tests.plugin`, the pytest11 entry point); it lives in verify/plugin.py."""

from .verify.plugin import *  # noqa: F403
