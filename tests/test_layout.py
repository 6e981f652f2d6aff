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


PACKAGE = ROOT / "mockprovider"
MODULES = sorted(PACKAGE.rglob("*.py"))
NAMES = [p.name for p in PROVIDERS]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module `path` imports (function-level imports included), relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    known = {module_name(m) for m in MODULES}
    return {m for m in found if m in known}


def layer(module: str) -> str:
    """`core`, `storage`, `web`, `providers.<name>`, `app` … of a module name."""
    parts = module.split(".")[1:]
    if not parts:
        return "package"
    if parts[0] == "providers" and len(parts) > 1:
        return f"providers.{parts[1]}"
    return parts[0]


#: What each layer may import, besides itself and the bottom (errors, clock, resources).
ALLOWED = {
    "core": {"core"},
    "storage": {"core", "storage"},
    "web": {"core", "web"},
    "providers": {"core", "web"},
    "app": {"core", "storage", "web", "providers", "app", "config"},
}
BOTTOM = {"errors", "clock", "resources", "package"}


def violations(path: Path) -> list[str]:
    own = layer(module_name(path))
    kind = own.split(".")[0]
    if kind not in ALLOWED:
        return []
    bad = []
    for target in sorted(imports(path)):
        other = layer(target)
        if other in BOTTOM or other == own:
            continue
        if other.split(".")[0] not in ALLOWED[kind]:
            bad.append(target)
        elif kind == "providers" and other.startswith("providers"):
            bad.append(target)  # another provider
    return bad


@pytest.mark.parametrize("module", MODULES, ids=lambda p: module_name(p))
def test_every_module_imports_only_the_layers_below_it(module: Path) -> None:
    """core ← storage ← web ← providers (never another provider) ← app (cli and commands on
    top may use anything)."""
    assert not violations(module), f"{module_name(module)} imports {violations(module)}"


def test_there_is_no_import_cycle_inside_the_package() -> None:
    graph = {module_name(m): imports(m) for m in MODULES}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*path, nxt]
                if nxt not in path and len(path) < 12:
                    stack.append((nxt, [*path, nxt]))
        return None

    # a package importing its own submodule (e.g. `from pkg import sub`) is no cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    cycles = [c for c in map(cycle_from, sorted(graph)) if c]
    assert not cycles, f"import cycles: {cycles[:3]}"


def code_words(path: Path) -> list[str]:
    """The names and string literals of a module's code: docstrings and comments (which may
    give an example provider) left out."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.alias | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            words.append(node.name)
    return words


@pytest.mark.parametrize("module", MODULES, ids=lambda p: module_name(p))
def test_no_module_outside_a_providers_package_names_a_provider(module: Path) -> None:
    """A provider owns all of its names: outside `providers/<name>/` only the registry lists
    them (docstrings and comments may still use one as an example)."""
    if layer(module_name(module)).startswith("providers.") or module.name == "registry.py":
        return
    text = "\n".join(code_words(module)).lower()
    named = [n for n in NAMES if n in text]
    assert not named, f"{module_name(module)} names {named} in its code"
