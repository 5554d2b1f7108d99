"""The analytics dashboard's charts: server-side SVG drawn by pygal, no JavaScript, no third-party requests.

pygal builds the SVG as an XML tree, so every name and label that reaches it (commenters choose their
names) is escaped by the serializer; the templates insert the result with ``|safe`` for that reason.
Its tooltip script would load from a CDN, so ``js=[]``: a page of Porch's admin fetches nothing foreign.
"""

from __future__ import annotations

import math
import sys
from datetime import date

import pygal
from pygal.style import Style

from porch.domain.metrics import Cohort
from porch.services.analytics import DayActivity, ReplyEdge

# pygal appends a legacy import hook to sys.meta_path for its map plugins (pygal.maps.*), which Porch
# does not use; on Python 3.11 that hook turns every later failed import into an ImportWarning (an
# error under the test suite's warning filter). Taking it out changes nothing else pygal does.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

ACCENT = "#2f6f5e"
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1b1f27",
    foreground_strong="#1b1f27",
    foreground_subtle="#c9ced8",
    opacity=".9",
    opacity_hover="1",
    colors=(ACCENT, "#e08a3c", "#5b7fbf", "#b0578d", "#8a9a3b"),
    font_family="system-ui, -apple-system, 'Segoe UI', sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    value_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
    tooltip_font_size=12,
)
COMMON = {"style": STYLE, "js": [], "disable_xml_declaration": True, "margin": 12, "legend_at_bottom": True}


def _svg(chart: pygal.graph.graph.Graph) -> str:
    rendered: bytes | str = chart.render()
    return rendered.decode() if isinstance(rendered, bytes) else rendered


def activity_chart(days: list[DayActivity]) -> str:
    """Comments and commenters per week or month (whichever gives a readable number of bars)."""
    buckets: dict[str, list[int]] = {}
    if days:
        first, last = date.fromisoformat(days[0].day), date.fromisoformat(days[-1].day)
        span = (last - first).days
        by_month = span > 120
        for d in days:
            day = date.fromisoformat(d.day)
            if by_month:
                key = f"{day.year}-{day.month:02d}"
            else:
                year, week, _ = day.isocalendar()
                key = f"{year}-W{week:02d}"
            totals = buckets.setdefault(key, [0, 0])
            totals[0] += d.comments
            totals[1] += d.new_commenters
    chart = pygal.Bar(**COMMON, height=300, width=1160, x_label_rotation=-30, show_minor_x_labels=False,
                      truncate_label=-1, no_data_text="No comments in this period")
    labels = list(buckets)
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 12)]
    chart.add("comments", [v[0] for v in buckets.values()])
    chart.add("newcomers", [v[1] for v in buckets.values()])
    return _svg(chart)


def _shade(share: float) -> str:
    # white → the accent green, by the share of the cohort still commenting
    r0, g0, b0 = 0xF1, 0xF4, 0xF2
    r1, g1, b1 = 0x4F, 0x9A, 0x83
    t = max(0.0, min(1.0, share)) ** 0.6
    return f"#{round(r0 + (r1 - r0) * t):02x}{round(g0 + (g1 - g0) * t):02x}{round(b0 + (b1 - b0) * t):02x}"


def retention_heatmap(cohorts: list[Cohort], *, months: int = 12, rows: int = 12) -> str:
    """Cohort × months-since-first-comment grid, each cell coloured by the share who commented that month.

    Drawn as pygal's horizontal stacked bars of equal width — one bar per cohort, one segment per
    month — with each segment's colour and printed value set per value: a heat map from a chart library.
    """
    shown = cohorts[-rows:]
    chart = pygal.HorizontalStackedBar(
        **{**COMMON, "legend_at_bottom": False,
           "style": Style(**{**STYLE.to_dict(), "value_colors": ("#1b1f27",) * months})},
        height=max(200, 30 * len(shown) + 80), width=1160,
        show_legend=False, print_values=True, print_values_position="center", show_y_guides=False,
        show_x_guides=False, spacing=2, no_data_text="No newcomers in this period",
        x_title="months after the first comment", range=(0, months), print_zeroes=False,
    )
    chart.x_labels = [f"{c.month} ({c.size})" for c in shown]
    chart.y_labels = [{"label": str(k), "value": k + 0.5} for k in range(months)]
    for k in range(months):
        values: list[dict[str, object] | None] = []
        for cohort in shown:
            if k < len(cohort.retention):
                share = cohort.retention[k]
                values.append({"value": 1, "label": f"{cohort.month}, month {k}",
                               "formatter": lambda _v, s=share: f"{s:.0%}",
                               "style": f"fill: {_shade(share)}; stroke: white; stroke-width: 2"})
            else:
                values.append(None)
        chart.add(f"month {k}", values)
    return _svg(chart)


def wait_distribution_chart(distribution: list[tuple[str, int]]) -> str:
    """How long comments waited for their first reply from someone else."""
    chart = pygal.Bar(**{**COMMON, "legend_at_bottom": False}, height=380, width=560, show_legend=False,
                      print_values=True, no_data_text="No replies yet")
    chart.x_labels = [label for label, _n in distribution]
    if any(n for _label, n in distribution):
        chart.add("comments", [n for _label, n in distribution])
    return _svg(chart)


def reply_graph_chart(edges: list[ReplyEdge], *, people: int = 14) -> str:
    """Who answers whom: the most connected people on a circle, a line per pair, thicker for more replies."""
    degree: dict[int, int] = {}
    names: dict[int, str] = {}
    for edge in edges:
        degree[edge.source_id] = degree.get(edge.source_id, 0) + edge.replies
        degree[edge.target_id] = degree.get(edge.target_id, 0) + edge.replies
        names[edge.source_id], names[edge.target_id] = edge.source, edge.target
    chosen = sorted(degree, key=lambda p: (-degree[p], p))[:people]
    position = {
        person: (math.cos(2 * math.pi * i / len(chosen) + math.pi / 2),
                 math.sin(2 * math.pi * i / len(chosen) + math.pi / 2))
        for i, person in enumerate(chosen)
    }
    shown_edges = sum(1 for e in edges if e.source_id in position and e.target_id in position)
    # one muted colour for every edge, the accent for people (pygal colours series in order)
    style = Style(**{**STYLE.to_dict(), "colors": ("#9bb8ae",) * shown_edges + (ACCENT,)})
    chart = pygal.XY(**{**COMMON, "legend_at_bottom": False, "style": style}, height=380, width=560, show_legend=False,
                     show_x_labels=False, show_y_labels=False, show_x_guides=False, show_y_guides=False,
                     range=(-1.25, 1.25), xrange=(-1.9, 1.9), dots_size=7, print_labels=True,
                     no_data_text="No replies between people yet")
    heaviest = max((e.replies for e in edges), default=1)
    for edge in edges:
        if edge.source_id in position and edge.target_id in position:
            width = 1.5 + 7 * math.sqrt(edge.replies / heaviest)
            chart.add(f"{edge.source} → {edge.target}",
                      [{"value": position[edge.source_id], "label": f"{edge.source} → {edge.target}: {edge.replies}"},
                       {"value": position[edge.target_id], "label": ""}],
                      stroke_style={"width": width, "linecap": "round"}, show_dots=False, print_labels=False)
    if chosen:
        chart.add("people", [{"value": position[p], "label": names[p]} for p in chosen], stroke=False,
                  dots_size=8)
    return _svg(chart)
