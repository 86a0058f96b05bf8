"""The sandbox door: a WSGI layer in front of everything the mock serves that sends each request into the world it names.

It reads the `Leadkit-Sandbox` header or strips a `/sandboxes/NAME` prefix (moving it to
SCRIPT_NAME, where a mounted app's prefix belongs), puts the sandbox's world in the environ
(`WORLD`) for the API and Flask's views alike, and refuses a bad name, or a sandbox over the
limit, before anything runs. A request that names no sandbox passes through after two reads.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .errors import ApiError, render, validation_error
from .sandboxes import ADMIN_PATH, CREATED_HEADER, HEADER, PREFIX, Sandboxes, check_name
from .state import SANDBOX_BASE, WORLD

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

ENVIRON_HEADER = "HTTP_LEADKIT_SANDBOX"


class SandboxDoor:
    """Sends each request into the world it names; a request that names none goes on as it came."""

    def __init__(self, app: WsgiApp, sandboxes: Sandboxes) -> None:
        self.app = app
        self.sandboxes = sandboxes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        header = environ.get(ENVIRON_HEADER)
        path: str = environ.get("PATH_INFO", "")
        if header is None and not path.startswith(PREFIX):
            return self.app(environ, start_response)
        try:
            name, rest = self._named(header, path)
            if rest == ADMIN_PATH or rest.startswith(ADMIN_PATH + "/"):
                raise validation_error(
                    [{"field": HEADER if header is not None else "path", "message": f"{ADMIN_PATH} is the root's: call it without {HEADER} and without a {PREFIX}NAME prefix"}]
                )
            sandbox, created = self.sandboxes.use(name)
        except ApiError as refused:
            reply = render(refused)
            start_response(f"{refused.status} {refused.code.replace('_', ' ')}", reply.headers)
            return [reply.body]
        environ[WORLD] = sandbox.world
        base = PREFIX + name
        environ[SANDBOX_BASE] = base
        if rest is not path:  # reached by its prefix: the rest is the path, the prefix is where the app is mounted
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + base
            environ["PATH_INFO"] = rest
        if not created:
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (CREATED_HEADER, "true")], exc_info)

        return self.app(environ, start)

    def _named(self, header: str | None, path: str) -> tuple[str, str]:
        """(the sandbox's name, the path within it); the path itself (the same object) when no prefix names it.

        A name already live was checked when it was made: only a new one is checked again.
        """
        if path.startswith(PREFIX):
            segment, slash, rest = path[len(PREFIX) :].partition("/")
            name = segment if self.sandboxes.world_of(segment) is not None else check_name(segment, "path")
            if header is not None and header != name:
                message = f"the header names sandbox {header[:80]!r} but the path names {name!r}; name one, or the same in both"
                raise validation_error([{"field": HEADER, "message": message}])
            return name, slash + rest or "/"
        assert header is not None
        return (header if self.sandboxes.world_of(header) is not None else check_name(header, HEADER)), path
