"""The machine-readable report: docs/design.md §2, ``schema_version`` "1".

HCP support tooling parses this file, so its shape is a contract that
``schema/report-v1.json`` describes and the tests validate against. Checks are
listed in catalogue order (stable for diffs between runs); the HTML puts
failures first. Values keep their full length here; only the HTML and the
terminal shorten them.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from topdesk_preflight.model import Step
from topdesk_preflight.reports.diagnosis import blockers_of_skipped, problems, root_causes
from topdesk_preflight.reports.paths import atomic_write_text, utc
from topdesk_preflight.reports.replay import CurlBuilder
from topdesk_preflight.reports.sanitize import encodable

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report, RequestRecord

SCHEMA_VERSION = "1"
SCHEMA_RESOURCE = "schema/report-v1.json"

# Keys that would hold a credential. The renderers only ever see Report (never Settings), so
# nothing should carry one; this is the second lock on the door, applied to settings and evidence.
# "password_given" and "app_password_expires" do not match: they say *whether*, never *what*.
_SECRET_KEY = re.compile(r"(^|[_\-.])(password|passwd|secret|token|authorization|api_?key)$", re.IGNORECASE)


def iso_utc(moment: datetime) -> str:
    """``2025-01-31T09:45:01Z``: ISO-8601 in UTC with the Z suffix most parsers expect."""
    return utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types, without credential-named keys.

    Evidence is whatever a check found worth keeping, so it may hold tuples,
    dates, enums or numbers JSON cannot represent (NaN); everything unknown is
    shown by its ``str`` (a ``Secret`` prints as redacted).
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, datetime):
        return iso_utc(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {encodable(str(key)): json_safe(item) for key, item in value.items()
                if not _SECRET_KEY.search(str(key))}
    if isinstance(value, set | frozenset):
        return sorted((json_safe(item) for item in value), key=str)
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return encodable(str(value))


def _request_dict(record: "RequestRecord", curl: CurlBuilder) -> dict[str, Any]:
    return {
        "method": record.method,
        "path": encodable(record.path),
        "status": record.status,
        "duration_s": json_safe(float(record.duration_s)),
        "bytes": int(record.bytes),
        "error": None if record.error is None else encodable(record.error),
        "curl": encodable(curl(record)),
    }


def _step_dict(step: str) -> dict[str, Any]:
    """Who acts (null if the step does not say) and what to do, read by the one parser: Step.parse."""
    parsed = Step.parse(step)
    return {"actor": None if parsed.actor is None else parsed.actor.value, "text": encodable(parsed.text)}


def _check_dict(result: "CheckResult", curl: CurlBuilder, blocked_by: list[str]) -> dict[str, Any]:
    return {
        "id": result.id,
        "title": encodable(result.title),
        "guide_section": encodable(result.guide_section),
        "status": result.status.value,
        "summary": encodable(result.summary),
        "details": [encodable(d) for d in result.details],
        "evidence": json_safe(result.evidence),
        "remediation": [encodable(step) for step in result.remediation],
        "remediation_steps": [_step_dict(step) for step in result.remediation],
        "depends_on": list(result.depends_on),
        "blocked_by": blocked_by,
        "duration_s": json_safe(float(result.duration_s)),
        "requests": [_request_dict(r, curl) for r in result.requests],
        "silenced": None if result.silenced is None else encodable(result.silenced),
        "change": result.change,
        "enable_with": None if result.enable_with is None else encodable(result.enable_with),
    }


def _root_causes(report: "Report") -> list[dict[str, Any]]:
    return [{"id": cause.result.id, "title": encodable(cause.result.title),
             "status": cause.result.status.value, "summary": encodable(cause.result.summary),
             "blocked": [blocked.id for blocked in cause.blocked]}
            for cause in root_causes(report)]


def _problems(report: "Report") -> list[dict[str, Any]]:
    return [{"checks": list(problem.check_ids),
             "steps": [_step_dict(step) for step in problem.steps],
             "blocked": [blocked.id for blocked in problem.blocked],
             "explains": [warning.id for warning in problem.explains]}
            for problem in problems(report)]


def to_json_dict(report: "Report") -> dict[str, Any]:
    """The report as the dict of docs/design.md §2, and additions the schema marks optional.

    Additions: ``target.api_version`` (the REST API's version, which ``target.topdesk_version`` held
    under a name that read like the product's; kept as a deprecated alias within schema 1), top-level
    ``settings``, ``warnings``, ``vantage`` (where the run looked from), ``compared_with`` (the earlier report, or null) and ``detected``
    (what the run learned about this TOPdesk and how it adapted);
    ``summary.readiness`` (ready / not_ready / unknown), ``summary.root_causes``
    (what to fix first, each with the checks it blocks), ``summary.problems`` (the root
    causes grouped by their shared fix, each fix once), ``counts.silenced`` and
    ``counts.not_checked`` (skipped because a setting was not given); per check
    ``enable_with`` (for a not-checked one, the flag that would let it run);
    per check ``remediation_steps`` (each step with who acts), ``blocked_by``
    (for a skipped check, the failures it waits on), ``requests`` (the read-only
    calls it based its verdict on, each with a replayable ``curl`` command),
    ``silenced`` (the reason a config-file silence gave, or null) and ``change``
    (with ``--compare``, else null); top-level ``redaction`` only in a redacted report (``--redact``:
    personal values are tokens, what was replaced and kept, the key file's name).
    """
    target, ticket = report.target, report.ticket
    curl = CurlBuilder.from_report(report)
    blockers = blockers_of_skipped(report)
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "generated_at": iso_utc(report.generated_at),
        "target": json_safe({
            "url": target.url,
            "username": target.username,
            "email": target.email,
            "branch": target.branch,
            "product_version": target.product_version,  # TOPdesk's own version: "TOPdesk 16.6.7"
            "api_version": target.api_version,  # its REST API's: "(REST API 3.7.4)"
            "topdesk_version": target.api_version,  # deprecated: the api_version under its old, ambiguous name
        }),
        "summary": {
            "ready": report.ready,
            "readiness": report.readiness,
            "root_causes": _root_causes(report),
            "problems": _problems(report),
            "counts": report.counts,
            "duration_s": json_safe(float(report.duration_s)),
        },
        "ticket": json_safe({
            "topdesk_version": ticket.api_version,
            "failed_steps": list(ticket.failed_steps),
            "errors": list(ticket.errors),
            "operator_email": ticket.operator_email,
            "permission_groups": list(ticket.permission_groups),
        }),
        "checks": [_check_dict(result, curl, blockers.get(result.id, [])) for result in report.results],
        "warnings": [encodable(w) for w in report.warnings],
        "settings": json_safe(report.settings),
        "vantage": json_safe(report.vantage),
        "compared_with": None if report.compared_with is None else json_safe(report.compared_with),
        "detected": [encodable(d) for d in report.detected],
    }
    if report.redaction is not None:  # --redact: says that names are tokens, what was kept, where the key is
        data["redaction"] = json_safe(report.redaction)
    return data


def render_json(report: "Report") -> str:
    """The JSON report as text: indented, UTF-8 characters kept readable, ending in a newline.

    The run already masked its secrets in the report; ``report.redact`` is the last pass.
    """
    return report.redact(json.dumps(to_json_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_json(report: "Report", path: str | os.PathLike[str], *, json_text: str | None = None) -> Path:
    """Write the JSON report atomically to ``path`` and return it.

    ``json_text`` (from :func:`render_json`) lets a caller write exactly the text
    whose digest the HTML report shows.
    """
    return atomic_write_text(path, render_json(report) if json_text is None else json_text)


def json_sha256(json_text: str) -> str:
    """The SHA-256 of the bytes ``write_json`` writes for ``json_text`` (UTF-8, newlines as they are)."""
    return hashlib.sha256(json_text.encode("utf-8")).hexdigest()


def load_schema() -> dict[str, Any]:
    """The JSON Schema of report v1, read as package data so it works from any kind of install."""
    from importlib.resources import files

    text = files("topdesk_preflight.reports").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_report_json(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``data`` is a valid v1 report.

    jsonschema is a test dependency, not a runtime one. Without it this returns
    without checking (the contract: "validate if installed"), so the CLI never
    breaks for want of it; the test suite always has it.
    """
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - the dev environment has it
        return
    schema = load_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        raise error
