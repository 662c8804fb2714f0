"""Apps above the directory add their own demo data (an explicit hook).

An app registers a loader in its ``AppConfig.ready``; ``manage.py seed_demo`` calls
each one with the demo plan after the directory's people and pupils exist, also on a
database where the demo was loaded before. A loader must be idempotent and returns a
line for the console, or an empty string when it changed nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoLoader = Callable[[Any], str]
_loaders: list[DemoLoader] = []


def register_demo_loader(loader: DemoLoader) -> None:
    if loader not in _loaders:
        _loaders.append(loader)


def demo_loaders() -> list[DemoLoader]:
    return list(_loaders)
