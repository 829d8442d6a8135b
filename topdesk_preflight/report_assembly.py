"""From the scheduler's results to the :class:`Report`: what a run is checked against before it
starts, and what is added to its results after they are in.

Why apart from :mod:`.runner`: the runner schedules checks (dependencies, threads, time boxes,
the deadline) and knows nothing of what a report says; this module knows what a report says
(the target and its versions, the vantage point, the config file's silences, the run-wide
warnings) and nothing of threads. Before the run, :func:`check_against_catalogue` refuses
settings the catalogue cannot honour (exit 2, before any request); after it,
:func:`assemble_report` builds the report.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

from topdesk_preflight.model import CheckResult, Report, Status, Target, evolve

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.registry import Registry
    from topdesk_preflight.settings import Settings

#: Said in every output of a run with --insecure.
INSECURE_WARNING = ("TLS certificate verification was disabled with --insecure: the findings about this "
                    "connection cannot prove that the server is the real TOPdesk.")


def check_against_catalogue(settings: "Settings", registry: "Registry") -> None:
    """Refuse, before any request, what this catalogue cannot honour: an unknown silence, a missing branch."""
    _known_silences(settings, registry)
    _require_branch(settings, registry)


def assemble_report(settings: "Settings", results: Sequence[CheckResult], *, started: float,
                    generated_at: datetime, detections: Any = None) -> Report:
    """The report of a finished run: its results with the silences marked, and what the run adds.

    ``started`` is the run's ``time.monotonic()`` start (for its duration); ``detections`` what the
    client learned about the instance ("this TOPdesk refused the field list ..."), if a list.
    """
    from topdesk_preflight import __version__

    marked, warnings = apply_silences(list(results), settings.silences, generated_at.date())
    if settings.insecure:
        warnings.append(INSECURE_WARNING)
    return Report(
        tool_name="topdesk-preflight",
        tool_version=__version__,
        generated_at=generated_at,
        target=_target(settings, marked),
        results=tuple(marked),
        duration_s=round(time.monotonic() - started, 3),
        warnings=tuple(warnings),
        settings=settings.public(),
        vantage=_vantage(settings, marked),
        detected=tuple(detections) if isinstance(detections, list) else (),
    )


def _vantage(settings: "Settings", results: list[CheckResult]) -> dict[str, Any]:
    from topdesk_preflight import vantage

    resolved: list[str] = []
    for result in results:
        if result.id == "network.dns":
            raw = result.evidence.get("addresses") or []
            resolved = [a.get("address", "") if isinstance(a, dict) else str(a) for a in raw]
    return vantage.describe(settings.url, resolved)



def _require_branch(settings: "Settings", registry: "Registry") -> None:
    """The branch is required, as in HCP's wizard, unless the user deliberately narrowed the run.

    Without it five checks could only say "not checked", and a support engineer who
    forgot one flag would read the rest as "ready". ``--only``/``--skip`` say the
    user chose a partial run; then the unchecked ones are reported as skipped. A
    catalogue without the branch check (a plug-in's own) needs no branch.
    """
    from topdesk_preflight.settings import SettingsError

    if "branch.exists" not in registry or settings.only or settings.skip:
        return
    if not (settings.branch or "").strip():
        raise SettingsError("No branch given: pass --branch (the branch configured in HCP's TOPdesk "
                            "connection) or set TOPDESK_BRANCH; to check only part of the setup without "
                            "it, narrow the run with --only or --skip.")



def _known_silences(settings: "Settings", registry: "Registry") -> None:
    from topdesk_preflight.settings import SettingsError

    for silence in settings.silences:
        if silence.id not in registry:
            raise SettingsError(f"the config file silences {silence.id!r}, which is not a check id; "
                                "see --list-checks")



def apply_silences(results: list[CheckResult], silences: Sequence[Any],
                   today: Any) -> tuple[list[CheckResult], list[str]]:
    """Mark the results a live silence covers; warn about silences that have expired."""
    warnings: list[str] = []
    live = {}
    for silence in silences:
        if silence.applies(today):
            live[silence.id] = silence
        else:
            warnings.append(f"The silence of {silence.id} expired on {silence.until.isoformat()} "
                            f"(reason was: {silence.reason}); it no longer applies.")
    marked = []
    for result in results:
        silence = live.get(result.id)
        if silence is not None and result.status is not Status.PASS:
            until = f" (until {silence.until.isoformat()})" if silence.until else ""
            result = evolve(result, silenced=f"{silence.reason}{until}")
        marked.append(result)
    return marked, warnings



def _target(settings: "Settings", results: list[CheckResult]) -> Target:
    from topdesk_preflight.model import EVIDENCE_API_VERSION, EVIDENCE_PRODUCT_VERSION

    def first(key: str) -> Any:
        for result in results:
            if result.evidence.get(key):
                return str(result.evidence[key])
        return None

    return Target(url=settings.url, username=settings.username, email=settings.email,
                  branch=settings.branch, api_version=first(EVIDENCE_API_VERSION),
                  product_version=first(EVIDENCE_PRODUCT_VERSION))
