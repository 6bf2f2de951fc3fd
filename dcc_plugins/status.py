"""A session's status as lines, for a panel, a dialog or a terminal (every host shows the same lines)."""
from __future__ import annotations

import os

from .feed import format_cache


def format_status(status: dict) -> list[str]:
    """Status as lines for a panel or a terminal."""
    lines = [f"{status['name']}  as {status['department']}  ({os.path.basename(status['shot'])})"]
    for r in status["parts"]:
        if r["access"] == "ignore":
            lines.append(f"  {r['kind']:<14} ignored (not loaded)")
            continue
        pin = r["mode"] if r["pinned"] is None else f"v{r['pinned']:03d}"
        latest = "-" if r["latest"] is None else f"v{r['latest']:03d}"
        flag = "  OUTDATED" if (r["outdated"] or r.get("changed_since_open")) and r["access"] == "read" else ""
        if r.get("modified"):
            flag += "  UNPUBLISHED EDITS (saved, not yet published)"
        lines.append(f"  {r['kind']:<14} {r['access']:<5} {pin:>8} latest {latest}{flag}")
        lines.extend(f"      {c}" for c in r.get("changes", ()))
    lines.append(f"  {status['proxies']} proxies, {status['native_geometry']} native geometry")
    if status.get("cache"):
        lines.append("  " + format_cache(status["cache"]))
    for c in status["changes"]:
        lines.append(f"  changed: {c}")
    for r in status["refused"]:
        lines.append(f"  REFUSED at publish: {r}")
    for p in status["problems"]:
        lines.append(f"  problem: {p}")
    return lines
