"""The kit's rooms point one way: core, engine, evidence, live, then one package per command; the engine imports light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "contract_tests"
# Each room may import from the rooms before it in this order, and from itself.
LAYERS = ("core", "engine", "evidence", "live")
COMMANDS = ("verify", "check", "proxy", "replay")
# What only verify/ may import: the test runner and the generator.
TEST_FRAMEWORKS = ("pytest", "_pytest", "hypothesis", "schemathesis")
# What the framework-free rooms must never import, at any depth of a function.
HEAVY = {"core": (*TEST_FRAMEWORKS, "requests", "flask", "werkzeug", "asyncio"), "engine": (*TEST_FRAMEWORKS, "requests", "flask", "werkzeug", "asyncio")}


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "contract_tests" else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, absolute, with its line: relative imports resolved against the file's package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            if not node.module:  # `from . import across`: each name is a module
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _modules() -> list[Path]:
    return sorted(path for path in KIT.rglob("*.py") if "__pycache__" not in path.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_each_module_imports_only_rooms_before_its_own(path: Path) -> None:
    own = _room(".".join(path.relative_to(ROOT).with_suffix("").parts))
    if own is None or own == "plugin":
        return  # contract_tests/__init__.py and the entry point's shim
    allowed = set(LAYERS[: LAYERS.index(own) + 1]) if own in LAYERS else {*LAYERS, own}
    wrong = []
    for line, module in _imports(path):
        room = _room(module)
        if room is not None and room not in allowed:
            wrong.append(f"line {line}: {module} ({room} is not below {own})")
        top = module.split(".")[0]
        if own != "verify" and top in TEST_FRAMEWORKS:
            wrong.append(f"line {line}: {module} (only verify/ imports the test runner and the generator)")
        if top in HEAVY.get(own, ()):
            wrong.append(f"line {line}: {module} ({own}/ stays free of it)")
    assert not wrong, "\n".join(wrong)


def test_the_rooms_are_named_in_the_package_map() -> None:
    documented = (KIT / "__init__.py").read_text(encoding="utf-8")
    rooms = sorted(path.name for path in KIT.iterdir() if (path / "__init__.py").is_file())
    assert rooms == sorted((*LAYERS, *COMMANDS))
    assert all(f"- {room}/" in documented for room in rooms)


def test_every_module_opens_with_what_it_holds() -> None:
    silent = [str(path.relative_to(ROOT)) for path in _modules() if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert not silent, f"modules without a docstring: {silent}"


@pytest.mark.parametrize("module", ["contract_tests.engine", "contract_tests.engine.stream", "contract_tests.core.har"])
def test_the_engine_loads_neither_a_test_runner_nor_a_web_framework(module: str) -> None:
    """What the proxy and `check` pay at every start: no pytest, Flask or requests behind `import contract_tests.engine`."""
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {module}; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.split()
    heavy = sorted(name for name in loaded if name.split(".")[0] in ("pytest", "_pytest", "flask", "werkzeug", "requests", "hypothesis", "schemathesis", "sqlite3"))
    assert not heavy, f"import {module} loads {heavy}"
