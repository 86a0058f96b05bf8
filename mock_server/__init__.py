"""leadkit's mock of the Leads API: a Flask app built from openapi.yaml by `create_app` (app.py).

Importing the package loads no web framework: `mock_server.spec` (openapi.yaml and the facts
read from it) and `mock_server.merge_patch` serve the contract kit too, which must start light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app as create_app
    from .config import ConfigError as ConfigError

__all__ = ["create_app", "ConfigError"]


def __getattr__(name: str) -> Any:
    """`create_app` and `ConfigError`, loaded (with Flask) on first use."""
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "ConfigError":
        from .config import ConfigError

        return ConfigError
    raise AttributeError(f"module 'mock_server' has no attribute {name!r}")
