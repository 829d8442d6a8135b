"""API check: does the URL lead to TOPdesk's REST API, and which TOPdesk is it?

"The TOPdesk URL entered in HCP is incorrect" is the first cause the guide lists
when HCP cannot connect. A wrong URL and a wrong password both end in "cannot
connect" in HCP; this check separates them. It reads ``/tas/api/version`` and
judges the *shape* of the answer: TOPdesk answers JSON, and refuses a bad login with
a 401 whose body is one of its own shapes, so even a refused login proves the URL is
right (docs/design.md §1.1). The versions go into the support-ticket block the guide asks for.

Both answers are facts (checks/_api_facts.py), read once per run as soon as the run
starts; this module only judges them.
"""

from __future__ import annotations

from typing import Any

from topdesk_preflight.guide import TS_HCP_CANNOT_CONNECT, hcp_admin, network_admin, topdesk_admin
from topdesk_preflight.checks._api_facts import VersionAnswer, product_version_response, version_response
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.context import Context
from topdesk_preflight.errors import TopdeskError
from topdesk_preflight.model import EVIDENCE_API_VERSION, EVIDENCE_PRODUCT_VERSION, CheckResult
from topdesk_preflight.registry import check
from topdesk_preflight.vocabulary import topdesk_version_words


def _wrong_url_steps(ctx: Context) -> list[str]:
    return [
        hcp_admin(f"Correct the TOPdesk URL in the HCP connection wizard (tested: {ctx.settings.url}): use the "
                  "address you open TOPdesk with, like https://<tenant>.topdesk.net, without /tas/... "
                  "(the API path is added automatically)."),
        network_admin("If the URL is right, check that no proxy, single-sign-on or portal page answers "
                      "instead of TOPdesk for the HCP server."),
    ]


@check(id="api.reachable", title="The URL answers like TOPdesk's REST API", guide=TS_HCP_CANNOT_CONNECT,
       depends_on=("network.tls",))
def reachable(ctx: Context) -> CheckResult:
    """A wrong URL (a portal, a login page, a typo'd path) looks like a connection problem in HCP."""
    answer = version_response(ctx)
    evidence: dict[str, Any] = {"status": answer.status, "content_type": answer.content_type or None,
                                "path": answer.path}
    status = answer.status
    if status == 200 and answer.is_json:
        if answer.unreadable_json is not None:  # a cut-off or empty body: say so rather than "not TOPdesk"
            return CheckResult.errored(
                f"{answer.path} answered 200 with {answer.unreadable_json} where TOPdesk sends its version, "
                "so this run cannot tell whether the URL is right.",
                evidence=evidence,
                remediation=[topdesk_admin("Run again; if it persists, a proxy or TOPdesk itself is cutting "
                                           "answers short: report the time and the path to TOPdesk support.")])
        version = answer.api_version
        if isinstance(version, Unknown):
            return CheckResult.failed(
                f"{answer.path} answered JSON without a version: this URL is not TOPdesk's REST API.",
                evidence=evidence, remediation=_wrong_url_steps(ctx))
        evidence[EVIDENCE_API_VERSION] = version
        product = _product_version(ctx, evidence)
        which = topdesk_version_words(product, version)  # "TOPdesk 16.6.7 (REST API 3.7.4)", as every output
        return CheckResult.passed(
            f"TOPdesk's REST API answers: {'' if product else 'TOPdesk version '}{which}.", evidence=evidence)
    if answer.redirect is not None:  # a 3xx
        evidence["redirect_to"] = answer.redirect.target
        return CheckResult.failed(
            answer.redirect.text, evidence=evidence,
            remediation=[*_wrong_url_steps(ctx),
                         network_admin(f"If {evidence['redirect_to']} is a proxy or single sign-on portal, let "
                                       "the HCP server reach TOPdesk's /tas/api directly.")])
    if status in (401, 403) and answer.topdesk_refusal:
        evidence["messages"] = list(answer.messages)
        return CheckResult.passed(
            f"TOPdesk's REST API answers; it refused the login for the version ({status}), so "
            "auth.credentials judges the login.",
            details=[f"TOPdesk said: {'; '.join(answer.messages) or '(empty body)'}",
                     "The TOPdesk version needs a login to read; it is not known yet."],
            evidence=evidence)
    if status >= 500 or status == 429:
        evidence["messages"] = list(answer.messages)
        return CheckResult.errored(
            f"{answer.path} answered {status}: TOPdesk (or a proxy in front of it) failed, so this run "
            "cannot tell whether the URL is right.",
            evidence=evidence,
            remediation=[topdesk_admin("Run again later; if it persists, report the time and the path to the "
                                       "TOPdesk administrator or TOPdesk support.")])
    return CheckResult.failed(_wrong_url_summary(answer),
                              evidence={**evidence, "messages": list(answer.messages)},
                              remediation=_wrong_url_steps(ctx))


def _wrong_url_summary(answer: VersionAnswer) -> str:
    status, path = answer.status, answer.path
    if status == 404:
        return f"{path} answered 404 Not Found: this URL does not lead to TOPdesk's REST API."
    if answer.is_html:
        title = answer.messages[0] if answer.messages else "no title"
        return (f"{path} answered {status} with an HTML page ({title}) instead of TOPdesk's JSON: wrong URL, "
                "or a portal or login page in between.")
    kind = "JSON" if answer.is_json else (answer.content_type or "an unlabelled body")
    return f"{path} answered {status} with {kind} that is not TOPdesk's: this URL is not TOPdesk's REST API."


def _product_version(ctx: Context, evidence: dict[str, Any]) -> str | None:
    """``/productVersion`` as "16.6.7", or None: nice to have in the ticket, never a reason to fail."""
    try:
        answer = product_version_response(ctx)
    except TopdeskError:
        return None
    if answer.status != 200 or not answer.is_json:
        evidence["product_version_status"] = answer.status
        return None
    if isinstance(answer.version, Unknown):
        return None
    evidence[EVIDENCE_PRODUCT_VERSION] = answer.version
    return answer.version
