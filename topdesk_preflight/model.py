"""The data a run produces: statuses, one result per check, and the report.

Everything here is a frozen attrs class so a result cannot drift after a check
returned it; the runner and the renderers change values only with ``evolve``.
Renderers (JSON, HTML, text) read these classes and nothing else, which keeps
TOPdesk's JSON shapes out of the reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import attrs
from attrs import field, frozen

from topdesk_preflight.redaction import Redactor
# The vocabulary lives in its own module; it is imported from here, beside Status.
from topdesk_preflight.vocabulary import Actor as Actor
from topdesk_preflight.vocabulary import Change as Change
from topdesk_preflight.vocabulary import Readiness as Readiness
from topdesk_preflight.vocabulary import Step as Step
from topdesk_preflight.vocabulary import Word

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.pseudonyms import Pseudonymizer


class Status(Word):
    """The outcome of one check, ordered from best to worst for sorting (a vocabulary :class:`Word`)."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def severity(self) -> int:
        """Failures first in reports: fail, error, warn, skipped, pass."""
        return {"fail": 0, "error": 1, "warn": 2, "skipped": 3, "pass": 4}[self.value]

    @property
    def ok(self) -> bool:
        """A prerequisite that passed or only warned lets its dependants run."""
        return self in (Status.PASS, Status.WARN)


def _tuple_of_str(values: Iterable[Any] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


def _steps(values: Iterable[str | Step] | str | Step | None) -> tuple[str, ...]:
    """Remediation as the texts the JSON report lists: a :class:`Step` is kept as ``str(step)``."""
    return _tuple_of_str((values,) if isinstance(values, Step) else values)


def _results(values: Iterable["CheckResult"]) -> tuple["CheckResult", ...]:
    return tuple(values)


def _records(values: Iterable["RequestRecord"]) -> tuple["RequestRecord", ...]:
    return tuple(values)


def _plain_dict(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(value or {})


@frozen
class RequestRecord:
    """One read-only request a check based its verdict on (replayable evidence)."""

    method: str
    path: str  # path with query string, relative to the instance root, e.g. /tas/api/version
    status: int | None  # None when no HTTP answer came (DNS, TCP, TLS, time-out)
    duration_s: float = 0.0
    bytes: int = 0
    error: str | None = None
    accept: str | None = None  # the Accept header sent: persons v2 needs its own, so a replay must too


@frozen
class CheckResult:
    """What one check found.

    A check function fills in ``status``, ``summary``, ``details``, ``evidence``
    and ``remediation`` through the named constructors; the runner adds the
    identity fields (``id``, ``title``, ``guide_section``, ``depends_on``) and
    the ``duration_s`` with ``attrs.evolve``.
    """

    status: Status = field(converter=Status)
    summary: str
    details: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    evidence: dict[str, Any] = field(factory=dict, converter=_plain_dict)
    remediation: tuple[str, ...] = field(default=(), converter=_steps)
    id: str = ""
    title: str = ""
    guide_section: str = ""
    depends_on: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    duration_s: float = 0.0
    requests: tuple[RequestRecord, ...] = field(default=(), converter=_records)
    silenced: str | None = None  # the reason, when a config-file silence applies to this result
    change: Change | None = field(default=None, converter=attrs.converters.optional(Change))  # with --compare
    #: For a ``skipped`` check that verified nothing because a setting was not given (or because a
    #: prerequisite was skipped for that reason): what would let it run, e.g. ``"--branch"``.
    enable_with: str | None = None

    @property
    def steps(self) -> tuple[Step, ...]:
        """The remediation with who acts on each step, for the renderers that show the actor apart."""
        return tuple(Step.parse(step) for step in self.remediation)

    @property
    def not_checked(self) -> bool:
        """Skipped because a setting was not given: nothing was verified, nothing was found wrong."""
        return self.status is Status.SKIPPED and self.enable_with is not None

    def redacted(self, redactor: Redactor) -> "CheckResult":
        """This result with every known secret masked in every text it carries, evidence and requests too.

        Done even without secrets: the walk also caps the evidence's depth, so a server's nested value
        (a room "name" 1,000 lists deep) can never make a renderer recurse past Python's limit.
        """
        return attrs.evolve(
            self, summary=redactor.text(self.summary), details=tuple(redactor.text(d) for d in self.details),
            evidence=redactor.value(self.evidence), remediation=tuple(redactor.text(r) for r in self.remediation),
            requests=tuple(attrs.evolve(r, path=redactor.text(r.path),
                                        error=None if r.error is None else redactor.text(r.error))
                           for r in self.requests),
            silenced=None if self.silenced is None else redactor.text(self.silenced))

    @property
    def counts_against_readiness(self) -> bool:
        """A fail or error that no silence covers."""
        return self.status in (Status.FAIL, Status.ERROR) and self.silenced is None

    # Named constructors: the vocabulary check functions speak.
    @classmethod
    def passed(cls, summary: str, *, details: Iterable[str] = (),
               evidence: Mapping[str, Any] | None = None) -> "CheckResult":
        return cls(Status.PASS, summary, details=details, evidence=evidence)

    @classmethod
    def warned(cls, summary: str, *, remediation: Iterable[str | Step], details: Iterable[str] = (),
               evidence: Mapping[str, Any] | None = None) -> "CheckResult":
        return cls(Status.WARN, summary, details=details, evidence=evidence, remediation=remediation)

    @classmethod
    def failed(cls, summary: str, *, remediation: Iterable[str | Step], details: Iterable[str] = (),
               evidence: Mapping[str, Any] | None = None) -> "CheckResult":
        return cls(Status.FAIL, summary, details=details, evidence=evidence, remediation=remediation)

    @classmethod
    def errored(cls, summary: str, *, remediation: Iterable[str | Step] = (), details: Iterable[str] = (),
                evidence: Mapping[str, Any] | None = None) -> "CheckResult":
        return cls(Status.ERROR, summary, details=details, evidence=evidence, remediation=remediation)

    @classmethod
    def skipped(cls, summary: str, *, evidence: Mapping[str, Any] | None = None) -> "CheckResult":
        return cls(Status.SKIPPED, summary, evidence=evidence)

    @classmethod
    def unchecked(cls, summary: str, *, enable_with: str, details: Iterable[str] = (),
                  evidence: Mapping[str, Any] | None = None) -> "CheckResult":
        """Nothing verified because a setting was not given: ``skipped``, never ``pass``.

        ``enable_with`` names the flag that would let the check run; every output
        shows it, so an unchecked step can never read as a verified one.
        """
        return cls(Status.SKIPPED, summary, details=details, evidence=evidence, enable_with=enable_with)


@frozen
class Target:
    """Which TOPdesk was checked, and as whom (never with what password)."""

    url: str
    username: str
    email: str | None = None
    branch: str | None = None
    #: The REST API's version (``/tas/api/version``, e.g. 3.7.4); the JSON also keeps it as the deprecated
    #: ``target.topdesk_version``. TOPdesk's own version is ``product_version`` (e.g. 16.6.7).
    api_version: str | None = None
    product_version: str | None = None


@frozen
class Ticket:
    """Exactly what the vendor guide asks a customer to put in a support ticket."""

    api_version: str | None  # the JSON's ticket.topdesk_version (schema 1 keeps the ticket object closed)
    failed_steps: tuple[str, ...]
    errors: tuple[str, ...]
    operator_email: str | None
    permission_groups: tuple[str, ...]


# Evidence keys that feed the ticket block; checks that learn these facts set them.
EVIDENCE_OPERATOR_EMAIL = "operator_email"
EVIDENCE_PERMISSION_GROUPS = "permission_groups"
EVIDENCE_API_VERSION = "topdesk_version"  # api.reachable's evidence key, named before the words were fixed
EVIDENCE_PRODUCT_VERSION = "product_version"


@frozen
class Report:
    """A finished run: the target, every result in catalogue order, and when."""

    tool_name: str
    tool_version: str
    generated_at: datetime
    target: Target
    results: tuple[CheckResult, ...] = field(converter=_results)
    duration_s: float = 0.0
    warnings: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    settings: dict[str, Any] = field(factory=dict, converter=_plain_dict)
    vantage: dict[str, Any] = field(factory=dict, converter=_plain_dict)  # where the run looked from
    compared_with: dict[str, Any] | None = None  # with --compare: {"path", "generated_at", "counts"}
    #: What the run learned about this TOPdesk and how it adapted (a refused field list, an ignored
    #: filter, an endpoint this version lacks), so a reader sees why a check could not verify.
    detected: tuple[str, ...] = field(default=(), converter=_tuple_of_str)
    #: The run's secrets, for the renderers' last redaction pass; never shown, never compared.
    redactor: Redactor = field(factory=Redactor, repr=False, eq=False)
    #: With --redact: that personal values are tokens, what was replaced and kept, and the key file's
    #: name (topdesk_preflight.pseudonyms.notice); None for a report that names people as they are.
    redaction: dict[str, Any] | None = None
    #: With --redact: the tokens' real values, for writing the private key file; never rendered.
    pseudonyms: "Pseudonymizer | None" = field(default=None, repr=False, eq=False)

    def redacted(self, redactor: Redactor) -> "Report":
        """The report with the run's secrets masked everywhere, and ``redactor`` kept for the renderers."""
        return attrs.evolve(
            self, results=tuple(r.redacted(redactor) for r in self.results),
            warnings=tuple(redactor.text(w) for w in self.warnings), settings=redactor.value(self.settings),
            vantage=redactor.value(self.vantage), detected=tuple(redactor.text(d) for d in self.detected),
            compared_with=None if self.compared_with is None else redactor.value(self.compared_with),
            target=attrs.evolve(self.target, **{k: redactor.text(v) for k, v in attrs.asdict(self.target).items()
                                                if isinstance(v, str)}),
            redactor=redactor)

    def redact(self, text: str) -> str:
        """A renderer's last pass over its finished output."""
        return self.redactor.text(text)

    def result(self, check_id: str) -> CheckResult:
        for result in self.results:
            if result.id == check_id:
                return result
        raise KeyError(f"no result for check {check_id!r} in this report")

    @property
    def counts(self) -> dict[str, int]:
        """One count per status, plus how many results a silence covers."""
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        counts["silenced"] = sum(1 for r in self.results if r.silenced is not None)
        counts["not_checked"] = len(self.not_checked)
        return counts

    @property
    def not_checked(self) -> list[CheckResult]:
        """The checks skipped because a setting was not given (each names the flag that enables it)."""
        return [r for r in self.results if r.not_checked]

    @property
    def fully_checked(self) -> bool:
        """Every selected check ran to a verdict: none skipped, for any reason."""
        return not any(r.status is Status.SKIPPED for r in self.results)

    @property
    def ready(self) -> bool:
        """Ready means nothing failed and nothing could not be assessed (silenced results aside)."""
        return not any(r.counts_against_readiness for r in self.results)

    @property
    def readiness(self) -> Readiness:
        """``ready``, ``not_ready`` (something failed) or ``unknown`` (nothing failed, something errored)."""
        live = [r for r in self.results if r.silenced is None]
        if any(r.status is Status.FAIL for r in live):
            return Readiness.NOT_READY
        if any(r.status is Status.ERROR for r in live):
            return Readiness.UNKNOWN
        return Readiness.READY

    @property
    def root_causes(self) -> list[CheckResult]:
        """Failed or errored checks whose prerequisites all passed: what to fix first.

        Everything skipped downstream of one of these is a symptom, listed by
        :meth:`blocked_by` under its cause instead of as a problem of its own.
        """
        by_id = {r.id: r for r in self.results}
        return [r for r in self.results
                if r.counts_against_readiness
                and all(by_id[d].status.ok for d in r.depends_on if d in by_id)]

    def blocked_by(self, root_id: str) -> list[CheckResult]:
        """The skipped results that trace back (through other skipped ones) to ``root_id``."""
        by_id = {r.id: r for r in self.results}

        def roots_of(result: CheckResult, seen: frozenset[str] = frozenset()) -> set[str]:
            found: set[str] = set()
            for blocker in result.evidence.get("blocked_by", ()):
                if blocker in seen or blocker not in by_id:
                    continue
                blocking = by_id[blocker]
                if blocking.status is Status.SKIPPED:
                    found |= roots_of(blocking, seen | {blocker})
                else:
                    found.add(blocker)
            return found

        return [r for r in self.results if r.status is Status.SKIPPED and root_id in roots_of(r)]

    def evidence(self, key: str) -> Any:
        """The first non-empty value any check recorded under ``key``."""
        return self._evidence(key)

    def _evidence(self, key: str) -> Any:
        for result in self.results:
            if result.evidence.get(key):
                return result.evidence[key]
        return None

    @property
    def ticket(self) -> Ticket:
        failed = [r for r in self.results if r.counts_against_readiness]
        steps: list[str] = []
        for result in failed:
            if result.guide_section and result.guide_section not in steps:
                steps.append(result.guide_section)
        groups = self._evidence(EVIDENCE_PERMISSION_GROUPS) or ()
        return Ticket(
            api_version=self.target.api_version,
            failed_steps=tuple(steps),
            errors=tuple(f"{r.id}: {r.summary}" for r in failed),
            operator_email=self._evidence(EVIDENCE_OPERATOR_EMAIL) or self.target.email,
            permission_groups=tuple(str(g) for g in groups),
        )

    def sorted_results(self) -> list[CheckResult]:
        """Failures first, then errors, warnings, skipped and passes; catalogue order within."""
        order = {r.id: i for i, r in enumerate(self.results)}
        return sorted(self.results, key=lambda r: (r.status.severity, order[r.id]))


def evolve(instance: Any, **changes: Any) -> Any:
    """Re-exported so callers need not import attrs for the one function they use."""
    return attrs.evolve(instance, **changes)
