"""Where the project's code is, for the tests that read it (the layers, the kinds, the
audit actions): the apps are the packages import-linter keeps in their layers."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]
