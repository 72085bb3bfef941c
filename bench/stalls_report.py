"""The stall probe's results: per-phase latencies, printed and written with the samples."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bench.stalls_probe import Sample, Stats, stats

if TYPE_CHECKING:
    from bench.stalls import Run

#: Phase name -> (from, to) in seconds after the bot started.
Windows = dict[str, tuple[float, float]]
#: Targets: the first reply within this many seconds of start; check-ins this late at most.
FIRST_REPLY = 5.0
LATE = 300.0


def phase_of(sent: float, windows: Windows) -> str:
    """The phase a moment belongs to: the first window holding it, else quiet."""
    for name, (start, end) in windows.items():
        if start <= sent < end:
            return name
    return "quiet"


def first_reply(samples: Sequence[Sample]) -> float | None:
    """Seconds from start to the first reply."""
    replies = [s.replied for s in samples if s.replied is not None]
    return min(replies) if replies else None


def report(run: Run, out: Path) -> None:
    """Print one line per phase and benchmark 2's, and write the samples and a summary."""
    first = first_reply(run.samples)
    # Asked before the bot listened: the first reply's target covers those.
    listening = [s for s in run.samples if first is not None and s.sent >= first]
    table = [
        stats(name, (s for s in listening if phase_of(s.sent, run.windows) == name))
        for name in [*run.windows, "quiet"]
    ]
    name = f"{run.database} {run.clinic.clients:,}"
    met = "yes" if first is not None and first <= FIRST_REPLY else "NO"
    shown = "none" if first is None else f"{first:.2f} s"
    print(f"{name}: first reply {shown} after start (target {FIRST_REPLY:.0f} s: {met})")
    for row in table:
        print(f"{name} {_line(row)}")
    late = _checkins(run)
    if late is not None:
        print(f"{name} {late}")
    bot, drawing = run.peak_rss_mib
    print(f"{name}: peak RSS {bot} MiB (target 300 MB), drawing process {drawing} MiB")
    print(f"{name}: exited {run.exit_seconds} s after SIGTERM; results in {out}", flush=True)
    _write(run, out, table, first, late)


def _line(row: Stats) -> str:
    verdict = "met" if row.met else "MISSED"
    return (
        f"{row.phase}: {row.count} asked, {row.lost} unanswered, p50 {row.p50_ms} ms, "
        f"p99 {row.p99_ms} ms, max {row.max_ms} ms, {row.over_1s} over 1 s ({verdict})"
    )


def _checkins(run: Run) -> str | None:
    """Benchmark 2: the check-ins due at the digest slot, how late the latest went out."""
    progress = run.progress
    if progress is None:
        return None
    latest = max(progress.lateness_s, default=float("nan"))
    met = progress.checkins_sent == len(run.checkins) and latest <= LATE
    return (
        f"digest round: {progress.digests_sent}/{run.clinic.therapists} digests sent; "
        f"check-ins due at the slot: {progress.checkins_sent}/{len(run.checkins)} sent "
        f"({progress.checkins_due} planned), latest {latest:.1f} s after due "
        f"(target {LATE:.0f} s: {'met' if met else 'MISSED'})"
    )


def _write(run: Run, out: Path, table: list[Stats], first: float | None, late: str | None) -> None:
    with (out / "samples.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["sent_s", "latency_ms", "chat", "phase"])
        for s in run.samples:
            latency = "" if s.latency is None else round(s.latency * 1000, 1)
            writer.writerow([round(s.sent, 3), latency, s.chat, phase_of(s.sent, run.windows)])
    summary = {
        "database": run.database,
        "clients": run.clinic.clients,
        "zone": run.clinic.zone,
        "digest_slot": run.slot.isoformat(),
        "first_reply_s": first,
        "windows_s": run.windows,
        "phases": [asdict(row) for row in table],
        "checkins": late,
        "lateness_s": sorted(run.progress.lateness_s) if run.progress else [],
        "exit_after_sigterm_s": run.exit_seconds,
        "peak_rss_mib": {"bot": run.peak_rss_mib[0], "drawing": run.peak_rss_mib[1]},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    plot(run, out / "latency.png")


def plot(run: Run, path: Path) -> None:
    """Latency over time, log scale, the phases shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(12, 4))
    for n, (name, (start, end)) in enumerate(run.windows.items()):
        axes.axvspan(start, end, color=f"C{n + 1}", alpha=0.15, label=name)
    answered = [(s.sent, s.latency * 1000) for s in run.samples if s.latency is not None]
    axes.scatter([x for x, _ in answered], [y for _, y in answered], s=3)
    axes.axhline(100, color="grey", linestyle="--", linewidth=0.8)
    axes.set_yscale("log")
    axes.set_xlabel("seconds after start")
    axes.set_ylabel("/help reply (ms)")
    axes.set_title(f"{run.database}, {run.clinic.clients:,} clients")
    axes.legend(loc="upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
