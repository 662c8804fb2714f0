"""The layering of DESIGN.md is enforced by `make lint` (import-linter): an app never
imports one above it; and no app grows past one room's worth of code (#17)."""

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
        # The rooms split off the directory sit above it, and the MIS above the imports.
        ("directory/home.py", "identity.invitations.selectors"),
        ("schoolcalendar/periods.py", "identity.mfa"),
        ("onboarding/imports/services.py", "mis.services"),
        ("identity/adapters.py", "onboarding.imports.services"),
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


# One room's worth of code: an app past it holds a second concern, which gets a room of
# its own (README, Architecture).
MOST_LINES = 4000


def python_lines(app: Path) -> int:
    """The lines of an app's Python, its migrations left out (they are generated)."""
    return sum(
        len(path.read_text().splitlines())
        for path in app.rglob("*.py")
        if "migrations" not in path.relative_to(app).parts
    )


def test_no_app_holds_more_than_one_rooms_worth_of_python():
    sizes = {app: python_lines(ROOT / app) for app in APPS}
    assert len(sizes) >= 10  # every app found
    assert all(sizes.values())  # and read
    too_big = {app: lines for app, lines in sizes.items() if lines > MOST_LINES}
    assert not too_big, f"Split these apps (lines of Python outside migrations): {too_big}"


def test_the_count_leaves_out_migrations_and_reads_every_other_module(tmp_path):
    app = tmp_path / "app"
    (app / "migrations").mkdir(parents=True)
    (app / "inner").mkdir()
    (app / "models.py").write_text("a = 1\nb = 2\n")
    (app / "inner" / "views.py").write_text("c = 3\n")
    (app / "migrations" / "0001_initial.py").write_text("x = 1\n" * 5000)
    assert python_lines(app) == 3
