"""Compare a run with an earlier report (JSON or HTML): what was fixed, what broke since, what is still open.

A support agent asks a customer's admin to fix things and then runs the tool
again; the first question is "did it work?". ``--compare EARLIER`` answers it
per check, in the four words of :class:`topdesk_preflight.vocabulary.Change`:

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

The earlier report may be the JSON file or the HTML page: the page carries the
JSON it was written with and its SHA-256, and the digest is checked before
the JSON is read, so a page edited since cannot pass for the run it shows.

Warnings are not "broken", exactly as they do not block readiness: a pass
that became a warn (or back) is ``unchanged``. The earlier status of every
check is kept in ``compared_with["statuses"]`` so a renderer can still say
"was: pass". Silences do not change the comparison: a silenced failure is a
failure the team accepted, not a fixed one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from typing import Any

from topdesk_preflight.model import Change, CheckResult, Report, Status, evolve
from topdesk_preflight.registry import ID_PATTERN
from topdesk_preflight.settings import SettingsError

SUPPORTED_SCHEMA_VERSIONS = ("1",)
#: A crafted --compare file must not grow the new report or crash it: the tool's own reports hold a few
#: dozen checks and stay far below a few megabytes.
MAX_PREVIOUS_BYTES = 20_000_000
MAX_PREVIOUS_CHECKS = 1_000
#: How reports/templates/report.html.j2 embeds the JSON report and shows its digest.
_EMBEDDED_JSON = re.compile(r'href="data:application/json;base64,([A-Za-z0-9+/=\s]*)"')
_EMBEDDED_SHA256 = re.compile(r'<code class="sha256">([0-9a-f]{64})</code>')
_BROKEN = frozenset({Status.FAIL.value, Status.ERROR.value})
_STATUSES = frozenset(status.value for status in Status)


def load_previous(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an earlier report written by this tool (JSON or HTML), or raise a one-line :class:`SettingsError`."""
    name = os.fspath(path)
    try:
        if os.path.getsize(name) > MAX_PREVIOUS_BYTES:
            raise SettingsError(f"{name!r} is larger than any report this tool writes "
                                f"({MAX_PREVIOUS_BYTES // 1_000_000} MB at most): --compare needs its .json report.")
        with open(name, encoding="utf-8") as handle:
            text = handle.read()
        data = json.loads(embedded_json(text, name) if _looks_like_html(text) else text)
    except FileNotFoundError:
        raise SettingsError(f"The report to compare with, {name!r}, does not exist: fix --compare.") from None
    except IsADirectoryError:
        raise SettingsError(f"--compare needs a report file (.json or .html), but {name!r} is a directory.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise SettingsError(f"Cannot read the report to compare with, {name!r}: {reason}.") from None
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{name!r} is not a JSON report (line {exc.lineno}: {exc.msg}): --compare needs "
                            "a .json or .html report topdesk-preflight wrote.") from None
    except RecursionError:
        raise SettingsError(f"{name!r} is nested deeper than any report this tool writes: --compare needs "
                            "its .json report.") from None
    _validate(data, name)
    return data


def _looks_like_html(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:15].lower().startswith(("<!doctype html", "<html"))


def embedded_json(page: str, name: str) -> str:
    """The JSON report an HTML report carries, once its SHA-256 matches the one the page shows.

    The page is the attachment a ticket usually holds, so --compare takes it as it is;
    a page without the embedded report, or whose report no longer matches its digest
    (edited since, or cut short), is refused rather than half read.
    """
    found, digest = _EMBEDDED_JSON.search(page), _EMBEDDED_SHA256.search(page)
    if found is None:
        raise SettingsError(f"{name!r} is an HTML page without the JSON report a topdesk-preflight HTML report "
                            "embeds: --compare needs a .json or .html report the tool wrote.")
    if digest is None:
        raise SettingsError(f"{name!r} embeds a JSON report but shows no SHA-256 for it, so it cannot be "
                            "trusted: compare with the .json report instead.")
    try:
        data = base64.b64decode("".join(found.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if hashlib.sha256(data).hexdigest() != digest.group(1):
        raise SettingsError(f"The JSON report embedded in {name!r} does not match the SHA-256 the page shows "
                            "(the page was changed after it was written): compare with the .json report instead.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(f"The JSON report embedded in {name!r} is not UTF-8 text.") from None


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


def change_between(previous_status: str | None, status: Status) -> Change:
    """The change for one check; ``previous_status`` is None when the earlier report lacked it."""
    was_broken = previous_status in _BROKEN
    is_broken = status.value in _BROKEN
    if was_broken and is_broken:
        return Change.STILL_BROKEN
    if was_broken:
        return Change.STILL_BROKEN if status is Status.SKIPPED else Change.FIXED
    return Change.NEWLY_BROKEN if is_broken else Change.UNCHANGED


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


#: The compare block's lists, in the order a support agent reads them: what worked, what broke, what is left.
#: (How many results carry each change is ``topdesk_preflight.reports.diagnosis.change_counts``.)
CHANGE_LIST_LABELS = ((Change.FIXED, "Fixed since then"), (Change.NEWLY_BROKEN, "Newly broken"),
                      (Change.STILL_BROKEN, "Still broken"))


def change_lists(report: Report) -> list[str]:
    """``Fixed since then: rooms.typed``: the checks behind each count of the compare block, one line a word.

    The terminal prints these under its "Compared with the earlier report" line, so the
    counts and the checks they count are one block; a word no check carries is left out.
    """
    if report.compared_with is None:
        return []
    lines = []
    for change, label in CHANGE_LIST_LABELS:
        changed: list[CheckResult] = [r for r in report.results if r.change is change]
        if changed:
            lines.append(f"{label}: " + ", ".join(r.id for r in changed))
    return lines


def marked(result: CheckResult, previous: dict[str, Any] | None) -> CheckResult:
    """``result`` with its change against ``previous`` (an earlier report, as load_previous returns it).

    For the progress lines: a check's line is printed as it finishes, long before the
    whole report can be compared, and it carries its [fixed] / [newly broken] tag too.
    """
    if previous is None:
        return result
    earlier = {c["id"]: c["status"] for c in previous["checks"]}
    return evolve(result, change=change_between(earlier.get(result.id), result.status))
