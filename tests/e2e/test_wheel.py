"""The wheel is complete: built from this checkout, installed into a fresh venv outside the tree,
its `mockprovider serve` (run from an empty directory) serves a hosted page with its templates
and built-in scenarios."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.e2e.servers import ServerProcess, WebhookReceiver, link_for, running

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def run(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done


def clean_env() -> dict[str, str]:
    """No hint of this checkout or its venv may leak into the installed copy."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, REPO)
    [built] = out.glob("mockprovider-*.whl")
    return built


def test_the_wheel_carries_templates_and_scenarios(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mockprovider/templates/topiic/checkout.html" in names
    assert "mockprovider/templates/base.html" in names
    scenarios = {n for n in names if n.startswith("mockprovider/scenarios/topiic/")}
    assert {n for n in scenarios if n.endswith(".yaml")}, sorted(names)
    assert "mockprovider/scenarios/topiic/provisioning-error.yaml" in scenarios
    assert not [n for n in names if n.startswith(("tests/", "templates/", "scenarios/"))]


def test_the_installed_wheel_serves_a_hosted_page(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory, hooks: WebhookReceiver
) -> None:
    # Outside the tree: pytest's basetemp is under the system temp directory.
    venv = tmp_path_factory.mktemp("venv") / "v"
    assert REPO not in venv.parents
    # No pip inside the venv (ensurepip costs seconds): this interpreter's pip installs into
    # it with `--python`, reusing pip's cache.
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", wheel)
    where = run(python, "-c", "import mockprovider; print(mockprovider.__file__)", cwd=venv)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    empty = tmp_path_factory.mktemp("cwd")
    server = ServerProcess(
        empty, store="memory", command=[str(venv / "bin" / "mockprovider")], env=clean_env()
    )
    with running(server), server.client() as http:
        entry = http.get(link_for(server, hooks))
        assert entry.status_code == 303, entry.text
        page = http.get(entry.headers["location"])
        assert page.status_code == 200, page.text
        assert "SANDBOX" in page.text
        assert 'value="provisioning-error"' in page.text  # a built-in scenario's button
        providers = server.control("GET", "/providers")["providers"]
    [topiic] = [p for p in providers if p["name"] == "topiic"]
    assert {s["source"] for s in topiic["scenarios"]}, topiic
