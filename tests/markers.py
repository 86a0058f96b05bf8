"""The suite's tiers, marked by what each test uses: `live` (a process: a server, a CLI, a browser), `kit` (a nested verify session).

Each test's code and its fixtures' code are read at collection (bytecode, not names): every
global, attribute and import they load is resolved to the object it is. Functions and classes of
`tests/` and `bench/` are followed into, any depth; other functions are read one level, for what they start
themselves (`verify` calls `pytest.main`). `slow` is added to every `live` or `kit` test, so
`pytest -m "not slow"` is the fast tier; by hand, `slow` marks what runs long in this process.

A guard holds the marks to what tests do: a test not marked `live` that starts a process, or not
marked `kit` that starts a pytest session, fails with a message saying so. What the reading cannot
see (a fixture fetched by name at run time) is declared with `pytest.param(..., marks=...)`.
"""

from __future__ import annotations

import builtins
import dis
import functools
import importlib
import importlib.util
import inspect
import os
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPERS = (ROOT / "tests", ROOT / "bench")  # followed into: the suite's own code and the bench scripts it runs
# What starts a process. Playwright's driver is a node process, and it starts the browser.
LIVE: set[object] = {subprocess, os.system, os.fork, os.posix_spawn, os.posix_spawnp, os.execv, os.execve}
LIVE_PACKAGES = ("playwright",)
# What starts a pytest session: `verify` runs the kit's checks in one of their own.
KIT: set[object] = {pytest.main}


def _loaded(code: types.CodeType, namespace: dict[str, Any]) -> Iterator[object]:
    """Every object `code` loads by name: globals and builtins, attributes of them, imports; nested code too.

    Attributes are read statically: no property runs, no module's `__getattr__`.
    """
    current: object = None
    module: object = None
    for instruction in dis.get_instructions(code):
        name = instruction.argval
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            current = namespace[name] if name in namespace else getattr(builtins, name, None)
        elif instruction.opname in ("LOAD_ATTR", "LOAD_METHOD") and current is not None:
            current = inspect.getattr_static(current, name, None)
        elif instruction.opname == "IMPORT_NAME":
            current = module = _imported(name)
        elif instruction.opname == "IMPORT_FROM" and isinstance(module, types.ModuleType):
            current = inspect.getattr_static(module, name, None) or _imported(f"{module.__name__}.{name}")
        else:
            current = None
        if current is not None:
            yield current
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _loaded(constant, namespace)


def _imported(name: str) -> object:
    """The module `name`: imported if it is the suite's own (a helper imported inside a function), else a stand-in.

    A stand-in still says which package it is (Playwright, imported inside the browser fixtures).
    """
    if name in sys.modules:
        return sys.modules[name]
    try:
        top = importlib.util.find_spec(name.partition(".")[0])  # a top-level name: nothing is imported to find it
    except (ImportError, ValueError):
        top = None
    places = [top.origin] if top is not None and top.origin else []
    places += list(top.submodule_search_locations or []) if top is not None else []
    if any(Path(place).resolve().is_relative_to(folder) for place in places for folder in HELPERS):
        return importlib.import_module(name)
    return types.ModuleType(name)


def _followed(thing: object) -> bool:
    """Whether `thing` is the suite's own (or bench's): a function, class or module from HELPERS."""
    if isinstance(thing, types.FunctionType):
        path = thing.__code__.co_filename
    elif isinstance(thing, (type, types.ModuleType)):
        path = getattr(inspect.getmodule(thing), "__file__", None) or "/"
    else:
        return False  # an instance, a descriptor, a constant: nothing of its own to read
    return any(Path(path).resolve().is_relative_to(folder) for folder in HELPERS)


def _own(thing: object) -> set[str]:
    """What `thing` is, of itself."""
    if _hashable(thing) and thing in LIVE:
        return {"live"}
    if _hashable(thing) and thing in KIT:
        return {"kit"}
    package = thing.__name__ if isinstance(thing, types.ModuleType) else getattr(thing, "__module__", None)
    if isinstance(package, str) and package.split(".")[0] in LIVE_PACKAGES:
        return {"live"}
    return set()


def _hashable(thing: object) -> bool:
    try:
        hash(thing)
    except TypeError:
        return False
    return True


def _underlying(thing: object) -> object:
    """A decorated function's own (`@contextmanager`, `functools.wraps`); a method's function."""
    if isinstance(thing, (staticmethod, classmethod, types.MethodType)):
        thing = thing.__func__
    if isinstance(thing, types.FunctionType):
        thing = inspect.unwrap(thing)
    return thing


def _functions_of(thing: object) -> list[types.FunctionType]:
    """The Python functions behind a function, method, property or class."""
    thing = _underlying(thing)
    if isinstance(thing, types.FunctionType):
        return [thing]
    if isinstance(thing, property):
        return [f for f in (thing.fget, thing.fset, thing.fdel) if isinstance(f, types.FunctionType)]
    if isinstance(thing, type):
        return [f for member in vars(thing).values() if not isinstance(member, type) for f in _functions_of(member)]
    return []


class Reading:
    """What the tests of one collection use; each function is read once."""

    def __init__(self) -> None:
        self._read: dict[tuple[int, bool], tuple[object, frozenset[str]]] = {}  # by id; the object kept, so no id is reused

    def marks_of(self, thing: object, follow: bool = True) -> frozenset[str]:
        """The tier markers of what `thing` uses: followed through HELPERS, one level elsewhere."""
        thing = _underlying(thing)  # a bound method is made anew each time: key on its function
        key = (id(thing), follow)
        if key in self._read:
            return self._read[key][1]
        self._read[key] = (thing, frozenset())  # a cycle adds nothing
        found = _own(thing)
        for function in _functions_of(thing):
            for used in map(_underlying, _loaded(function.__code__, function.__globals__)):
                found |= _own(used)
                if follow and _followed(used):
                    found |= self.marks_of(used)
                elif follow and isinstance(used, types.FunctionType):
                    found |= self.marks_of(used, follow=False)
        self._read[key] = (thing, frozenset(found))
        return frozenset(found)

    def used_by(self, item: pytest.Function) -> frozenset[str]:
        """The marks of a test: its function's, and those of every fixture it requests, directly or not."""
        found = set(self.marks_of(item.function))
        for definitions in item._fixtureinfo.name2fixturedefs.values():  # the whole closure, overridden ones too
            for definition in definitions:
                found |= self.marks_of(definition.func)
        return frozenset(found)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reading = Reading()
    for item in items:
        if isinstance(item, pytest.Function):
            for mark in sorted(reading.used_by(item) - {mark.name for mark in item.iter_markers()}):
                item.add_marker(mark)
        if item.get_closest_marker("live") or item.get_closest_marker("kit"):
            item.add_marker("slow")


class TierError(Exception):
    """A test did what its tier markers say it does not."""


@contextmanager
def _held_to_its_tier(item: pytest.Item) -> Iterator[list[str]]:
    """Within the block, a process or a pytest session the item's markers do not declare raises TierError (and is noted)."""
    broken: list[str] = []
    undo: list[Callable[[], None]] = []

    def refuse(owner: Any, name: str, mark: str, what: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)  # read while refused (tests/test_markers.py), it is still what it wraps
        def refused(*args: Any, **kwargs: Any) -> Any:
            broken.append(f"{item.nodeid} {what} but is not marked {mark!r}: tests/markers.py did not see it; declare it")
            raise TierError(broken[-1])

        setattr(owner, name, refused)
        undo.append(lambda: setattr(owner, name, original))

    if not item.get_closest_marker("live"):
        refuse(subprocess.Popen, "_execute_child", "live", "started a process")
        refuse(os, "fork", "live", "forked")
    if not item.get_closest_marker("kit"):
        refuse(pytest, "main", "kit", "started a pytest session")
    try:
        yield broken
    finally:
        for step in reversed(undo):
            step()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _held_to_its_tier(item) as broken:
        result = yield
    if broken:
        raise TierError(broken[0])
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _held_to_its_tier(item) as broken:
        result = yield
    if broken:
        raise TierError(broken[0])
    return result
