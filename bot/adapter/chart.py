"""Trend pictures: small multiples of clients' recent check-ins, as PNG bytes.

One row per client and one panel per item (a single client gets a 2 x 2 grid), drawn
with matplotlib's Agg backend, so no display is needed. Sized for a phone: about 1080
pixels wide, large type, at most ``MAX_CLIENTS`` rows so Telegram need not shrink it.
matplotlib is imported on first use; the command line starts without it.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.digest import ClientSummary
from messages.catalog import plain
from messages.flags_text import day_month

#: Clients drawn in one picture at most (the most urgent first).
MAX_CLIENTS = 8
_WIDTH_INCHES = 10.8
_ROW_INCHES = 2.7
_DPI = 100
_LINE = "#1f4e79"
_LATEST = "#d9480f"
_USUAL = "#cfe2f3"
#: matplotlib is not thread-safe; pictures are drawn one at a time.
_LOCK = threading.Lock()


def render_chart(clients: Sequence[ClientSummary], language: str, tz: ZoneInfo) -> bytes:
    """A PNG of each client's recent answers per item, their usual range shaded."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = list(clients)[:MAX_CLIENTS]
    keys = shown[0].item_keys if shown else ()
    per_row = 2 if len(shown) == 1 else max(len(keys), 1)
    rows_each = math.ceil(len(keys) / per_row) if keys else 1
    rows = max(len(shown) * rows_each, 1)
    height = _ROW_INCHES * rows
    with _LOCK:
        figure = Figure(figsize=(_WIDTH_INCHES, height), dpi=_DPI)
        FigureCanvasAgg(figure)
        # Fixed margins in inches: measuring the text (tight_layout) costs a whole draw.
        grid = figure.subplots(
            rows,
            per_row,
            squeeze=False,
            sharey=True,
            gridspec_kw={
                "left": 0.5 / _WIDTH_INCHES,
                "right": 1 - 0.15 / _WIDTH_INCHES,
                "top": 1 - 0.45 / height,
                "bottom": 0.4 / height,
                "wspace": 0.08,
                "hspace": 0.85 / (_ROW_INCHES - 0.85),
            },
        )
        for index, client in enumerate(shown):
            for n, key in enumerate(keys):
                row, col = index * rows_each + n // per_row, n % per_row
                _panel(grid[row][col], client, key, language, tz, first_col=col == 0)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _panel(
    axes: object, client: ClientSummary, key: str, language: str, tz: ZoneInfo, *, first_col: bool
) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    points = client.points
    values = [p.values.get(key, math.nan) for p in points]
    xs = list(range(len(points)))
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks([0, 5, 10])
    axes.tick_params(labelsize=14)
    axes.set_title(f"{client.code} · {plain(language, f'item.{key}.short')}", fontsize=17)
    if (usual := client.usual.get(key)) is not None:
        axes.axhspan(usual.low - 0.25, usual.high + 0.25, color=_USUAL, zorder=0)
    answered = [(x, v) for x, v in zip(xs, values, strict=True) if not math.isnan(v)]
    if not answered:
        axes.text(
            0.5,
            0.5,
            plain(language, "report.chart.none"),
            ha="center",
            fontsize=14,
            transform=axes.transAxes,
            color="grey",
        )
    else:
        axes.plot(xs, values, color=_LINE, linewidth=3, marker="o", markersize=8)
        last_x, last_v = answered[-1]
        axes.plot([last_x], [last_v], marker="o", markersize=14, color=_LATEST, zorder=3)
    axes.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
    if points:
        ends = sorted({0, len(points) - 1})
        axes.set_xticks(ends, [day_month(language, points[i].session_start, tz) for i in ends])
    for x, point in zip(xs, points, strict=True):
        if point.missed:
            axes.axvline(x, color="grey", linestyle=":", linewidth=2)
    axes.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if not first_col:
        axes.tick_params(labelleft=False)
