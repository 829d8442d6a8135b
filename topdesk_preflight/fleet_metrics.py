"""``fleet --metrics PATH.prom``: the fleet in the Prometheus text format, for node_exporter's textfile collector.

A team that watches a fleet already has monitoring that graphs numbers and
pages on thresholds; it should not have to parse our JSON. node_exporter's
textfile collector reads ``*.prom`` files from one folder on each scrape, so the
file is written atomically (a temporary file beside it, then a rename: the
collector never reads half a file, and its name does not end in ``.prom`` while
it is being written) and readable by the exporter's user (0644: it holds tenant
names and URLs, never a password).

Every series is a gauge (a value as of the last run, not a running total), in
base units (seconds, and days only where the name says so), named
``topdesk_preflight_*``. Per tenant (label ``tenant``, the name in the targets file):

``topdesk_preflight_ready``                        1 ready, 0 not ready or unknown
``topdesk_preflight_readiness{readiness}``         1 for the current state of ready / not_ready / unknown
``topdesk_preflight_checks{status}``               checks per status (silenced ones under ``silenced``)
``topdesk_preflight_app_password_expiry_days``     days until the application password expires (< 0: expired)
``topdesk_preflight_app_password_expiry_timestamp_seconds``   the expiry date, 00:00 UTC
``topdesk_preflight_duration_seconds``             how long the tenant's run took
``topdesk_preflight_requests``                     requests the run sent
``topdesk_preflight_last_run_timestamp_seconds``   when the tenant was last checked
``topdesk_preflight_tenant_info{url, product_version, api_version, topdesk_version}``   always 1: the
info-metric idiom; ``product_version`` is TOPdesk's (16.6.7), ``api_version`` its REST API's (3.7.4), and
``topdesk_version`` the API's again, under the name it had before (deprecated: it read as TOPdesk's)

and for the whole run ``topdesk_preflight_fleet_tenants{readiness}``,
``..._fleet_duration_seconds``, ``..._fleet_last_run_timestamp_seconds`` and, with
a history, ``..._fleet_changes{change}`` (this run's newly broken, fixed, ...). A
``--shard`` run adds ``shard="I/N"`` to the fleet series, so N shards' files can
share one collector folder without two files defining the same series.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from topdesk_preflight.settings import SettingsError
from topdesk_preflight.vocabulary import Readiness

PREFIX = "topdesk_preflight"
FILE_MODE = 0o644  # the exporter runs as its own user
_STATUSES = ("pass", "warn", "fail", "error", "skipped", "silenced")
_READINESS = tuple(state.value for state in Readiness)
_CHANGES = ("newly_broken", "fixed", "still_broken", "unknown", "password", "unchanged", "new", "worse")


def _label_value(value: object) -> str:
    """Escaped as the text format requires: backslash, double quote and line feed; no control characters."""
    from topdesk_preflight.reports.sanitize import clean_text

    text = clean_text(str(value), single_line=True)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: dict[str, object]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_label_value(value)}"' for key, value in labels.items()) + "}"


def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(round(float(value), 6))


def _timestamp(text: str | None) -> float | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class _Exposition:
    """Families in the order they are first named; each gets its HELP and TYPE once."""

    def __init__(self) -> None:
        self._families: dict[str, tuple[str, list[str]]] = {}

    def add(self, name: str, help_text: str, value: float | int, **labels: object) -> None:
        full = f"{PREFIX}_{name}"
        _, samples = self._families.setdefault(full, (help_text, []))
        samples.append(f"{full}{_labels(labels)} {_number(value)}")

    def text(self) -> str:
        lines: list[str] = []
        for name, (help_text, samples) in self._families.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *samples]
        return "\n".join(lines) + "\n"


def render_metrics(summary: dict[str, Any]) -> str:
    """The exposition text for a fleet summary (the dict of ``fleet-summary.json``, merged or not)."""
    out = _Exposition()
    for row in summary["tenants"]:
        tenant = row["name"]
        out.add("ready", "Whether the tenant is ready for Humly Control Panel (1), or not ready or unknown (0).",
                int(row["readiness"] == Readiness.READY), tenant=tenant)
    for row in summary["tenants"]:
        for state in _READINESS:
            out.add("readiness", "The tenant's readiness: 1 for its current state, 0 for the others.",
                    int(row["readiness"] == state), tenant=row["name"], readiness=state)
    for row in summary["tenants"]:
        for status in _STATUSES:
            out.add("checks", "Checks in the tenant's last run, by status (silenced results apart).",
                    int(row["counts"].get(status, 0)), tenant=row["name"], status=status)
    for row in summary["tenants"]:
        if row.get("password_days_left") is not None:
            out.add("app_password_expiry_days", "Days until the tenant's application password expires "
                    "(negative: expired), from app_password_expires in the targets file.",
                    int(row["password_days_left"]), tenant=row["name"])
    for row in summary["tenants"]:
        expires = row.get("app_password_expires")
        if expires:
            out.add("app_password_expiry_timestamp_seconds", "When the tenant's application password expires "
                    "(00:00 UTC of its date), as a Unix time.", _timestamp(expires + "T00:00:00+00:00") or 0,
                    tenant=row["name"])
    for row in summary["tenants"]:
        out.add("duration_seconds", "How long the tenant's last run took.", float(row["duration_s"]),
                tenant=row["name"])
    for row in summary["tenants"]:
        out.add("requests", "Requests the tenant's last run sent to its TOPdesk (all of them reads).",
                int(row.get("requests") or 0), tenant=row["name"])
    for row in summary["tenants"]:
        checked = _timestamp(row.get("checked_at")) or _timestamp(summary["generated_at"])
        out.add("last_run_timestamp_seconds", "When the tenant was last checked, as a Unix time.", checked or 0,
                tenant=row["name"])
    for row in summary["tenants"]:
        out.add("tenant_info", "Always 1; the labels say where the tenant is and which TOPdesk it runs.", 1,
                tenant=row["name"], url=row["url"], product_version=row.get("product_version") or "",
                api_version=row.get("api_version") or "", topdesk_version=row.get("topdesk_version") or "")
    _fleet_series(out, summary)
    return out.text()


def _fleet_series(out: _Exposition, summary: dict[str, Any]) -> None:
    shard = summary.get("shard")
    scope: dict[str, object] = {"shard": f"{shard['index']}/{shard['count']}"} if shard else {}
    for state in _READINESS:
        out.add("fleet_tenants", "Tenants in this fleet run, by readiness.", int(summary["counts"][state]),
                readiness=state, **scope)
    out.add("fleet_duration_seconds", "How long the whole fleet run took.", float(summary["duration_s"]), **scope)
    out.add("fleet_last_run_timestamp_seconds", "When the fleet run started, as a Unix time.",
            _timestamp(summary["generated_at"]) or 0, **scope)
    changes = summary.get("changes")
    if changes is not None:
        for change in _CHANGES:
            out.add("fleet_changes", "Tenants by how they changed since their previous run (worse: what "
                    "--fail-on change alerts on).", int(changes["counts"].get(change, 0)), change=change, **scope)


def check_metrics_path(path: str | os.PathLike[str]) -> Path:
    """Refuse a path that could only fail once the run is over (a folder, an unwritable folder)."""
    target = Path(path)
    if target.is_dir():
        raise SettingsError(f"--metrics {os.fspath(path)!r} is a directory: give a file name such as "
                            "/var/lib/node_exporter/textfile/topdesk.prom.")
    folder = target.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise SettingsError(f"--metrics {os.fspath(path)!r}: cannot write in {os.fspath(existing)!r}.")
    return target


def write_metrics(summary: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the file atomically: a collector that reads it at any moment sees the old file or the new one.

    The reports' own atomic writer, with the exporter's mode instead of the private one: its
    temporary name (``.NAME.*.tmp``) is one the collector's ``*.prom`` never matches.
    """
    from topdesk_preflight.reports.paths import atomic_write_text

    return atomic_write_text(path, render_metrics(summary), mode=FILE_MODE)

