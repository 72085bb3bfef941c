"""Trend pictures: small multiples of clients' recent check-ins, as PNG bytes.

One row per client and one panel per item of their current questionnaire, on its own scale
(a single client with four items gets a 2 x 2 grid; a client with more items than fit in a
row takes several rows), drawn with matplotlib's Agg backend, so no display is needed.
Sized for a phone: about 1080 pixels wide, large type, at most ``MAX_CLIENTS`` clients so
Telegram need not shrink it. matplotlib is imported on first use; the command line starts
without it.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.digest import ClientSummary
from messages.catalog import plain
from messages.flags_text import day_month, item_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Clients drawn in one picture at most (the most urgent first).
MAX_CLIENTS = 8
#: Panels side by side at most; a client with more items takes more rows.
MAX_COLUMNS = 4
_WIDTH_INCHES = 10.8
_ROW_INCHES = 2.7
_DPI = 100
_LINE = "#1f4e79"
_LATEST = "#d9480f"
_USUAL = "#cfe2f3"
#: matplotlib is not thread-safe; pictures are drawn one at a time.
_LOCK = threading.Lock()


def layout(clients: Sequence[ClientSummary]) -> tuple[int, list[int]]:
    """Columns of the grid, and the first row of each client (plus the total at the end).

    A single client gets two columns (a 2 x 2 grid for four items, three columns for more
    than four); several clients share as many columns as the longest questionnaire has
    items, at most ``MAX_COLUMNS``, each client starting a row of their own.
    """
    counts = [max(len(c.item_keys), 1) for c in clients]
    if len(counts) == 1:
        columns = 2 if counts[0] <= 4 else 3
    else:
        columns = min(max(counts, default=1), MAX_COLUMNS)
    starts = [0]
    for count in counts:
        starts.append(starts[-1] + math.ceil(count / columns))
    return columns, starts


def y_ticks(low: int, high: int) -> list[int]:
    """Ticks at the ends and the middle of a scale: 0 5 10, 1 3 5, 1 4 7."""
    return sorted({low, (low + high) // 2, high})


def scales_text(clients: Sequence[ClientSummary]) -> str:
    """The scales drawn, as a caption names them: '0–10' or '0–10, 1–5'."""
    shown = list(clients)[:MAX_CLIENTS]
    scales = dict.fromkeys((c.questionnaire.scale_min, c.questionnaire.scale_max) for c in shown)
    return ", ".join(f"{low}–{high}" for low, high in scales)


def digest_caption(language: str, clients: Sequence[ClientSummary]) -> str:
    """The caption of a digest's chart, naming the scales drawn."""
    return plain(language, "report.chart.caption_scale", scales=scales_text(clients))


def chart_caption(language: str, client: ClientSummary) -> str:
    """The caption of one client's chart (``/history``), naming their scale."""
    low, high = client.questionnaire.scale_min, client.questionnaire.scale_max
    return plain(language, "report.chart.client_scale", code=client.code, low=low, high=high)


def render_chart(clients: Sequence[ClientSummary], language: str, tz: ZoneInfo) -> bytes:
    """A PNG of each client's recent answers per item on their questionnaire's scale, their
    usual range shaded. Only the current questionnaire's check-ins are drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = list(clients)[:MAX_CLIENTS]
    columns, starts = layout(shown)
    rows = max(starts[-1], 1)
    height = _ROW_INCHES * rows
    with _LOCK:
        figure = Figure(figsize=(_WIDTH_INCHES, height), dpi=_DPI)
        FigureCanvasAgg(figure)
        # Fixed margins in inches: measuring the text (tight_layout) costs a whole draw.
        grid = figure.subplots(
            rows,
            columns,
            squeeze=False,
            gridspec_kw={
                "left": 0.5 / _WIDTH_INCHES,
                "right": 1 - 0.15 / _WIDTH_INCHES,
                "top": 1 - 0.45 / height,
                "bottom": 0.4 / height,
                "wspace": 0.08,
                "hspace": 0.85 / (_ROW_INCHES - 0.85),
            },
        )
        used: set[tuple[int, int]] = set()
        for index, client in enumerate(shown):
            for n, key in enumerate(client.item_keys):
                row, col = starts[index] + n // columns, n % columns
                used.add((row, col))
                _panel(grid[row][col], client, key, language, tz, first_col=col == 0)
        for row in range(rows):
            for col in range(columns):
                if (row, col) not in used:
                    grid[row][col].set_visible(False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _panel(
    axes: object, client: ClientSummary, key: str, language: str, tz: ZoneInfo, *, first_col: bool
) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    points, questionnaire = client.points, client.questionnaire
    values = [p.values.get(key, math.nan) for p in points]
    xs = list(range(len(points)))
    low, high = questionnaire.scale_min, questionnaire.scale_max
    axes.set_ylim(low - 0.5, high + 0.5)
    axes.set_yticks(y_ticks(low, high))
    axes.tick_params(labelsize=14)
    axes.set_title(f"{client.code} · {item_name(language, key, questionnaire)}", fontsize=17)
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
    _x_axis(axes, client, language, tz)
    axes.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if not first_col:
        axes.tick_params(labelleft=False)


def _x_axis(axes: Axes, client: ClientSummary, language: str, tz: ZoneInfo) -> None:
    """The first and last session's dates, and a dotted line at each missed check-in."""
    points = client.points
    axes.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
    if points:
        ends = sorted({0, len(points) - 1})
        axes.set_xticks(ends, [day_month(language, points[i].session_start, tz) for i in ends])
    for x, point in enumerate(points):
        if point.missed:
            axes.axvline(x, color="grey", linestyle=":", linewidth=2)
