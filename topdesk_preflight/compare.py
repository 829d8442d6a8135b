"""Compare a run with an earlier JSON report: what the customer fixed, what broke since, what is still open.

A support agent asks a customer's admin to fix things and then runs the tool
again; the first question is "did it work?". ``--compare OLD.json`` answers it
per check, in four words:

``fixed``
    broken before (fail or error), and now passes or only warns.
``newly_broken``
    broken now, and was not broken before: it passed, warned, was skipped
    (not assessed) or did not exist in the earlier report.
``still_broken``
    broken before and broken now (a fail that became an error counts too),
    *or* broken before and skipped now: a check that could not run cannot
    prove a fix, so it is not called fixed while its prerequisite fails.
``unchanged``
    not broken before and not broken now.

Warnings are not "broken", exactly as they do not block readiness: a pass
that became a warn (or back) is ``unchanged``. The earlier status of every
check is kept in ``compared_with["statuses"]`` so a renderer can still say
"was: pass". Silences do not change the comparison: a silenced failure is a
failure the team accepted, not a fixed one.
"""

from __future__ import annotations

import json
import os
from typing import Any

from topdesk_preflight.model import CheckResult, Report, Status, evolve
from topdesk_preflight.registry import ID_PATTERN
from topdesk_preflight.settings import SettingsError

FIXED = "fixed"
NEWLY_BROKEN = "newly_broken"
STILL_BROKEN = "still_broken"
UNCHANGED = "unchanged"
CHANGES = (FIXED, NEWLY_BROKEN, STILL_BROKEN, UNCHANGED)

SUPPORTED_SCHEMA_VERSIONS = ("1",)
#: A crafted --compare file must not grow the new report or crash it: the tool's own reports hold a few
#: dozen checks and stay far below a few megabytes.
MAX_PREVIOUS_BYTES = 20_000_000
MAX_PREVIOUS_CHECKS = 1_000
_BROKEN = frozenset({Status.FAIL.value, Status.ERROR.value})
_STATUSES = frozenset(status.value for status in Status)


def load_previous(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an earlier JSON report written by this tool, or raise a one-line :class:`SettingsError`."""
    name = os.fspath(path)
    try:
        if os.path.getsize(name) > MAX_PREVIOUS_BYTES:
            raise SettingsError(f"{name!r} is larger than any report this tool writes "
                                f"({MAX_PREVIOUS_BYTES // 1_000_000} MB at most): --compare needs its .json report.")
        with open(name, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"The report to compare with, {name!r}, does not exist: fix --compare.") from None
    except IsADirectoryError:
        raise SettingsError(f"--compare needs a JSON report file, but {name!r} is a directory.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise SettingsError(f"Cannot read the report to compare with, {name!r}: {reason}.") from None
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{name!r} is not a JSON report (line {exc.lineno}: {exc.msg}): --compare needs "
                            "the .json file topdesk-preflight wrote, not the HTML one.") from None
    except RecursionError:
        raise SettingsError(f"{name!r} is nested deeper than any report this tool writes: --compare needs "
                            "its .json report.") from None
    _validate(data, name)
    return data


def _validate(data: Any, name: str) -> None:
    if not isinstance(data, dict) or "schema_version" not in data:
        raise SettingsError(f"{name!r} is not a topdesk-preflight JSON report (it has no schema_version).")
    version = str(data["schema_version"])
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise SettingsError(f"{name!r} has report schema_version {version!r}; this topdesk-preflight reads "
                            f"version {', '.join(SUPPORTED_SCHEMA_VERSIONS)}. Compare with a report "
                            "written by the same version of the tool.")
    checks = data.get("checks")
    if not isinstance(checks, list) or len(checks) > MAX_PREVIOUS_CHECKS or not all(
            isinstance(c, dict) and isinstance(c.get("id"), str) and ID_PATTERN.match(c["id"])
            and len(c["id"]) <= 80 and c.get("status") in _STATUSES
            for c in checks):
        raise SettingsError(f"{name!r} is not a valid topdesk-preflight JSON report: its \"checks\" must be "
                            "a list of results, each with an id and a status.")


def change_between(previous_status: str | None, status: Status) -> str:
    """The change word for one check; ``previous_status`` is None when the earlier report lacked it."""
    was_broken = previous_status in _BROKEN
    is_broken = status.value in _BROKEN
    if was_broken and is_broken:
        return STILL_BROKEN
    if was_broken:
        return STILL_BROKEN if status is Status.SKIPPED else FIXED
    return NEWLY_BROKEN if is_broken else UNCHANGED


def compare(report: Report, previous: dict[str, Any], *, previous_path: str) -> Report:
    """``report`` with every result's ``change`` set and ``compared_with`` describing the earlier report.

    ``compared_with`` holds ``path``, ``generated_at`` and ``counts`` (the earlier
    report's status counts), plus ``statuses`` (check id -> earlier status) and
    ``not_run_now`` (checks the earlier report had and this run did not, e.g.
    because of ``--only``). A different TOPdesk URL is allowed but warned about.
    """
    _validate(previous, previous_path)
    earlier = {c["id"]: c["status"] for c in previous["checks"]}
    results = tuple(evolve(r, change=change_between(earlier.get(r.id), r.status)) for r in report.results)
    now_ids = {r.id for r in report.results}
    summary = previous.get("summary")
    if not isinstance(summary, dict):
        summary = {}
    generated_at = previous.get("generated_at")
    compared_with = {
        "path": os.fspath(previous_path),
        "generated_at": generated_at if isinstance(generated_at, str) and len(generated_at) <= 40 else None,
        "counts": _counts_of(summary.get("counts"), previous["checks"]),
        "statuses": earlier,
        "not_run_now": [check_id for check_id in earlier if check_id not in now_ids],
    }
    warnings = list(report.warnings)
    target = previous.get("target")
    previous_url = target.get("url") if isinstance(target, dict) else None
    if previous_url and previous_url != report.target.url:
        warnings.append(f"The report compared with ({os.fspath(previous_path)}) checked {previous_url}, "
                        f"not {report.target.url}: the changes compare two different TOPdesk instances.")
    return evolve(report, results=results, compared_with=compared_with, warnings=tuple(warnings))


def _counts_of(stated: Any, checks: list[dict[str, Any]]) -> dict[str, int]:
    """The earlier report's counts as it states them when they are counts, else counted from its checks."""
    if isinstance(stated, dict) and stated and len(stated) <= 20 and all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in stated.items()):
        return dict(stated)
    return _count(checks)


def _count(checks: list[dict[str, Any]]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    for check in checks:
        counts[check["status"]] += 1
    return counts


def change_counts(report: Report) -> dict[str, int]:
    """How many results carry each change word (all four keys, zeros included)."""
    counts = dict.fromkeys(CHANGES, 0)
    for result in report.results:
        if result.change in counts:
            counts[result.change] += 1
    return counts


def change_lines(report: Report) -> list[str]:
    """The terminal block for ``--compare``: the counts, then what was fixed and what newly broke."""
    if report.compared_with is None:
        return []
    counts = change_counts(report)
    when = report.compared_with.get("generated_at") or "an unknown time"
    lines = ["", f"Compared with {report.compared_with['path']} ({when}): {counts[FIXED]} fixed, "
                 f"{counts[NEWLY_BROKEN]} newly broken, {counts[STILL_BROKEN]} still broken, "
                 f"{counts[UNCHANGED]} unchanged."]
    for word, label in ((FIXED, "Fixed since then"), (NEWLY_BROKEN, "Newly broken"),
                        (STILL_BROKEN, "Still broken")):
        changed: list[CheckResult] = [r for r in report.results if r.change == word]
        if changed:
            lines.append(f"{label}: " + ", ".join(r.id for r in changed))
    return lines
