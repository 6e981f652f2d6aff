"""The broken-file corpus under `tests/corpus/`: every scenario file (or directory) makes
`mockprovider scenarios validate` exit 2, every config file makes `mockprovider serve --config`
exit 2, and the first line on stderr is exactly the `file:line: key: message` written in the
file's `# expect:` comment (`{dir}` stands for the file's directory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mockprovider.cli import main

CORPUS = Path(__file__).parent / "corpus"
EXPECT = "# expect: "


def entries(kind: str) -> list[Path]:
    """Each file, and each directory (a case spread over several files), of one corpus."""
    return sorted((CORPUS / kind).iterdir())


def expectation(entry: Path) -> tuple[Path, str]:
    """The file holding the `# expect:` line and that line, with `{dir}` filled in."""
    files = sorted(entry.glob("*.yaml")) if entry.is_dir() else [entry]
    for path in files:
        first = path.read_text(encoding="utf-8").partition("\n")[0]
        if first.startswith(EXPECT):
            return path, first.removeprefix(EXPECT).replace("{dir}", str(path.parent))
    raise AssertionError(f"{entry} has no '{EXPECT}' line")


def first_error(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    lines = result.stderr.splitlines()
    return result.exit_code, lines[0] if lines else ""


@pytest.mark.parametrize("entry", entries("scenarios"), ids=lambda p: p.name)
def test_broken_scenario_files_exit_2_with_file_line_key_message(entry: Path) -> None:
    _, expected = expectation(entry)
    assert first_error(["scenarios", "validate", str(entry)]) == (2, expected)


@pytest.mark.parametrize("entry", entries("config"), ids=lambda p: p.name)
def test_broken_config_files_exit_2_with_file_line_key_message(entry: Path) -> None:
    _, expected = expectation(entry)
    assert first_error(["serve", "--config", str(entry)]) == (2, expected)


def test_the_corpus_covers_every_kind_of_breakage() -> None:
    names = {p.name for kind in ("scenarios", "config") for p in entries(kind)}
    for kind in ("bad-yaml", "wrong-type", "unknown", "duplicate"):
        assert any(kind in name for name in names), kind
    assert {"unknown-provider.yaml", "unknown-outcome.yaml", "duplicate-names"} <= names
