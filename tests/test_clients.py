"""Real client generators over the mock's /openapi.json, with the commands docs/clients.md gives.

openapi-python-client must generate with no warning and parse every documented response,
errors included, into its model; openapi-typescript's types must carry a realistic flow
through `tsc --strict` (TypeScript 5.x). Both flows then run against a live mock.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Iterator

import pytest
from livemock import ROOT, LiveMock, ensure_command
from readmedoc import aimed_at, blocks

from mock_server.spec import load_spec, operations
from mock_server.spec import resolve


DOC = ROOT / "docs" / "clients.md"
TYPESCRIPT = ROOT / "clients" / "typescript"
PYTHON_FLOW = ROOT / "clients" / "python" / "flow.py"
PYTHON_EXAMPLES = ROOT / "clients" / "python" / "examples.py"
TYPESCRIPT_SECTION = "## TypeScript"
PYTHON_SECTION = "## Python"
INSTALL = re.compile(r"^(npm install|pip install) ")

# What each flow prints, step by step (booleans lower-cased: Python prints True, node true).
FLOW = [
    r"created 201 (lead_[0-9a-f]{16}) ws_your_workspace_id new true",
    r"created-with-metadata 201 (lead_[0-9a-f]{16}) pro website",
    r"listed 200 [1-5] [0-9]+ (?:true|false)",
    r"got 200 Grace Hopper ws_your_workspace_id",
    r"updated 200 contacted callback,plan,seats",
    r"deleted 200 Lead deleted successfully (lead_[0-9a-f]{16})",
    r"not-found 404 LEAD_NOT_FOUND (lead_[0-9a-f]{16}) No lead found with this ID in your workspace",
    r"invalid 400 VALIDATION_ERROR email",
    r"unauthorized 401 UNAUTHORIZED Bearer.*",
]


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    with LiveMock() as live:
        yield live


def documented_commands(title: str) -> list[str]:
    """Every line of the section's `sh` blocks, in order."""
    return [line.strip() for block in blocks("sh", title, DOC) for line in block.splitlines() if line.strip()]


def run(command: list[str] | str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180) -> str:
    """Run a command (a documented line through bash); its combined output, failing the test on a non-zero exit."""
    argv = ["bash", "-euo", "pipefail", "-c", command] if isinstance(command, str) else command
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{output[-4000:]}"
    return output


def documented_examples() -> list[list[str]]:
    """The example names of each documented (operation, status)."""
    spec = load_spec()
    return [
        list(resolve(spec, response)["content"]["application/json"]["examples"])
        for _path, _method, operation in operations(spec)
        for response in operation["responses"].values()
    ]


def assert_flow(output: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == len(FLOW), output
    for line, pattern in zip(lines, FLOW):
        normal = re.sub(r"\b(True|False)\b", lambda found: found.group(1).lower(), line)
        assert re.fullmatch(pattern, normal), f"{line!r} does not match {pattern!r}"
    deleted = re.fullmatch(FLOW[5], lines[5])
    not_found = re.fullmatch(FLOW[6], lines[6])
    assert deleted and not_found and deleted.group(1) == not_found.group(1)  # the 404 names the lead just deleted


def test_documented_install_lines_pin_what_the_tests_install() -> None:
    package = json.loads((TYPESCRIPT / "package.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    lock = json.loads((TYPESCRIPT / "package-lock.json").read_text())["packages"]
    npm = [line for line in documented_commands(TYPESCRIPT_SECTION) if line.startswith("npm install")]
    documented = dict(word.rsplit("@", 1) for line in npm for word in line.split()[2:] if not word.startswith("-"))
    assert documented == pinned
    assert all(lock[f"node_modules/{name}"]["version"] == version for name, version in pinned.items())
    [pip] = [line for line in documented_commands(PYTHON_SECTION) if line.startswith("pip install")]
    name, version = pip.split()[-1].split("==")
    assert version == importlib.metadata.version(name)
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    assert any(requirement.split("#")[0].strip() == f"{name}=={version}" for requirement in extra)


def test_lockfile_fetches_only_from_the_registry() -> None:
    lock = json.loads((TYPESCRIPT / "package-lock.json").read_text())["packages"]
    resolved = [entry["resolved"] for entry in lock.values() if "resolved" in entry]
    assert all(url.startswith("https://registry.npmjs.org/") for url in resolved), resolved
    assert all("integrity" in entry for path, entry in lock.items() if path)


def test_python_client_generates_without_warnings_and_types_every_answer(mock: LiveMock, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    output = ""
    for command in documented_commands(PYTHON_SECTION):
        if not INSTALL.match(command):
            output += run(aimed_at(command, mock.base_url), tmp_path, env)
    said = output.replace(str(tmp_path), "<tmp>").lower()
    assert "warning" not in said and "error" not in said, output
    package = tmp_path / "leads-api-client" / "leads_api_client"
    for _path, _method, operation in operations(load_spec()):
        module = re.sub(r"(?<!^)([A-Z])", r"_\1", operation["operationId"]).lower()
        code = (package / "api" / "leads" / f"{module}.py").read_text()
        for status, response in operation["responses"].items():
            assert f"if response.status_code == {status}:" in code, f"{operation['operationId']} drops {status} {response}"

    [example] = blocks("python", PYTHON_SECTION, DOC)
    (tmp_path / "example.py").write_text(aimed_at(example, mock.base_url))
    typed = {**env, "MYPYPATH": f"{package.parent}{os.pathsep}{ROOT}", "PYTHONPATH": str(package.parent)}
    mypy = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, str(PYTHON_FLOW), str(PYTHON_EXAMPLES), str(tmp_path / "example.py")]
    run(mypy, tmp_path, typed)
    parsed = run([sys.executable, str(PYTHON_EXAMPLES)], ROOT, typed, timeout=60)  # every documented example, typed
    assert parsed.count(" ok\n") == sum(len(example) for example in documented_examples()), parsed
    assert_flow(run([sys.executable, str(PYTHON_FLOW), mock.base_url], tmp_path, typed, timeout=60))
    run([sys.executable, str(tmp_path / "example.py")], tmp_path, typed, timeout=60)


def test_typescript_types_carry_the_flow_through_tsc_strict(mock: LiveMock) -> None:
    npm = shutil.which("npm") or ensure_command("npm", "npm")
    env = {**os.environ, "npm_config_cache": str(TYPESCRIPT / ".npm-cache"), "npm_config_update_notifier": "false"}
    run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"], TYPESCRIPT, env, timeout=300)
    [example] = blocks("ts", TYPESCRIPT_SECTION, DOC)
    (TYPESCRIPT / "src" / "docs-example.ts").write_text(aimed_at(example, mock.base_url))
    generated = TYPESCRIPT / "src" / "leads-api.ts"
    generated.unlink(missing_ok=True)
    for command in documented_commands(TYPESCRIPT_SECTION):
        if not INSTALL.match(command):
            run(aimed_at(command, mock.base_url), TYPESCRIPT, env)
    assert "workspaceId: components" in generated.read_text()  # generated here, from the live mock
    run([npm, "exec", "--", "tsc"], TYPESCRIPT, env)  # the same check, now writing build/
    node = shutil.which("node") or ensure_command("node", "nodejs")
    assert_flow(run([node, "build/flow.js"], TYPESCRIPT, {**env, "LEADS_BASE_URL": mock.base_url}, timeout=60))
    run([node, "build/docs-example.js"], TYPESCRIPT, env, timeout=60)
