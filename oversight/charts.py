"""Bar charts for the governors' summaries, drawn on the server as SVG (R33).

Only the figures already made safe in the summary are drawn: a hidden count has no
bar, only the words "fewer than 5". Each chart sits beside the table that holds the
same numbers, for anyone who cannot see it. The geometry is worked out here; the
template only writes the shapes, with attributes (no inline styles, for the CSP).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

WIDTH = 720
LABEL_WIDTH = 250
BAR_AREA = 330
BAR_HEIGHT = 16
GAP = 12
# Told apart by more than colour: the previous period's bars are striped.
SERIES = [
    ("This period", "#1d70b8"),  # 5.2:1 on white
    ("Previous period", "#505a5f"),  # 7:1 on white, with white stripes
]


@dataclass
class Bar:
    series: int
    x: int
    y: int
    width: int
    height: int
    colour: str
    text: str
    text_x: int
    text_y: int


@dataclass
class Label:
    lines: list[str]
    x: int
    y: int


@dataclass
class Chart:
    key: str
    title: str
    height: int
    width: int = WIDTH
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[int, str, str]] = field(default_factory=list)  # series, name, colour


def bar_chart(key: str, title: str, rows: list[tuple[str, list[dict[str, Any]]]]) -> Chart:
    """Horizontal bars, one group per row; each row holds one cell per series."""
    series = max((len(cells) for _label, cells in rows), default=1)
    shown = [cell["value"] for _label, cells in rows for cell in cells if cell["value"]]
    largest = max(shown, default=1)
    legend_height = 24 if series > 1 else 0
    group = series * BAR_HEIGHT + (series - 1) * 2 + GAP
    chart = Chart(key=key, title=title, height=legend_height + group * len(rows) + GAP)
    if series > 1:
        chart.legend = [(s, name, colour) for s, (name, colour) in enumerate(SERIES[:series])]
    for i, (label, cells) in enumerate(rows):
        top = legend_height + GAP // 2 + i * group
        lines = textwrap.wrap(label, 38, max_lines=2, placeholder="…")
        chart.labels.append(Label(lines, LABEL_WIDTH - 8, top + group // 2 - 6 * len(lines) + 4))
        for s, cell in enumerate(cells):
            y = top + s * (BAR_HEIGHT + 2)
            width = round(BAR_AREA * (cell["value"] or 0) / largest)
            chart.bars.append(
                Bar(
                    series=s,
                    x=LABEL_WIDTH,
                    y=y,
                    width=width,
                    height=BAR_HEIGHT,
                    colour=SERIES[s][1],
                    text=cell["text"],
                    text_x=LABEL_WIDTH + width + 6,
                    text_y=y + BAR_HEIGHT - 4,
                )
            )
    return chart


def charts_for(report: dict[str, Any]) -> dict[str, Chart]:
    """The charts of a summary, keyed by the table each one draws; a table a summary
    does not have (an older snapshot, or an organisation with no settings) has none."""
    tables = report.get("tables", {})
    charts: dict[str, Chart] = {}
    if "months" in tables:
        charts["months"] = bar_chart(
            "months",
            "Declarations each month",
            [
                (row["label"], row["cells"][:1])
                for row in tables["months"]["rows"]
                if not row["total"]
            ],
        )
    for key, title in (
        ("kinds", "Declarations by kind, this period and the previous one"),
        ("outcomes", "Outcomes of the decisions made, this period and the previous one"),
        ("waits", "Time to a final decision, this period and the previous one"),
    ):
        table = tables.get(key)
        if table is None or table["header"][-1] != "Previous period":
            continue
        this = len(table["header"]) - 2  # the total, or the only column
        charts[key] = bar_chart(
            key,
            title,
            [
                (row["label"], [row["cells"][this], row["cells"][-1]])
                for row in table["rows"]
                if not row["total"]
            ],
        )
    settings = report.get("settings", [])
    if len(settings) > 1 and "kinds" in tables:
        total_row = next(row for row in tables["kinds"]["rows"] if row["total"])
        if not any(cell["value"] for cell in total_row["cells"][: len(settings)]):
            return charts  # every setting's figure is hidden: nothing to draw
        charts["settings"] = bar_chart(
            "settings",
            "Declarations in each setting (from the table of declarations by kind)",
            [(name, [total_row["cells"][i]]) for i, name in enumerate(settings)],
        )
    return charts
