"""Meta-tests: every provider brings its template folder, scenarios, tests and README section,
and the core stays provider-agnostic (architecture rules 1, 2 and 7)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mockprovider.app.registry import all_providers
from mockprovider.resources import scenarios_dir, templates_dir
from mockprovider.web.provider import WebProvider

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = all_providers()


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_has_its_template_folder_with_the_hosted_page(provider: WebProvider) -> None:
    name = provider.name
    page = provider.page_template
    assert page.startswith(f"{name}/"), "one name per provider: templates/<name>/"
    assert (templates_dir() / page).is_file()


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_has_built_in_scenarios(provider: WebProvider) -> None:
    folder = scenarios_dir() / provider.name
    assert sorted(folder.glob("*.yaml")), f"no scenarios in {folder}"


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_has_a_test_module(provider: WebProvider) -> None:
    name = provider.name
    assert sorted((ROOT / "tests" / "providers").glob(f"test_{name}*.py"))


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_provider_has_a_readme_section(provider: WebProvider) -> None:
    title = provider.title
    headings = [
        line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("## ")
    ]
    assert any(title.lower() in h.lower() for h in headings), f"README needs a '## {title}' section"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    "module", sorted((ROOT / "mockprovider" / "core").rglob("*.py")), ids=lambda p: p.name
)
def test_core_never_imports_a_provider_or_the_web_layer(module: Path) -> None:
    bad = {
        m for m in _imports(module) if m.startswith(("mockprovider.providers", "mockprovider.web"))
    }
    assert not bad, f"{module.name} imports {sorted(bad)}"
