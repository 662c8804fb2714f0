"""The layering of DESIGN.md is enforced by `make lint` (import-linter): an app never
imports one above it (#17)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.project import APPS, ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own venv's command, on our own copy)
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the apps' code and the lint configuration."""
    for app in APPS:
        shutil.copytree(
            ROOT / app,
            tmp_path / app,
            ignore=shutil.ignore_patterns("templates", "static", "__pycache__", "*.html"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_as_it_is_keeps_the_layers(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("directory/access.py", "oversight.summaries"),
        ("declarations/services.py", "approvals.routing"),
        ("registers/selectors.py", "oversight.selectors"),
        ("contactpolicy/services.py", "directory.models"),
    ],
)
def test_a_lower_app_importing_a_higher_one_fails_the_lint(tree, lower, higher):
    module = tree / lower
    module.write_text(module.read_text() + f"\n\nimport {higher}  # noqa\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "BROKEN" in result.stdout
    importer = lower.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {higher}" in result.stdout
