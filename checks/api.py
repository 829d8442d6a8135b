"""API check: does the URL lead to TOPdesk's REST API, and which TOPdesk is it?

"The TOPdesk URL entered in HCP is incorrect" is the first cause the guide lists
when HCP cannot connect. A wrong URL and a wrong password both end in "cannot
connect" in HCP; this check separates them. It reads ``/tas/api/version`` and
judges the *shape* of the answer: TOPdesk answers JSON, and refuses a bad login with
a 401 whose body is one of its own shapes, so even a refused login proves the URL is
right (docs/design.md §1.1). The versions go into the support-ticket block the guide asks for.

Both answers are facts fetched once per run and prefetched when the run starts
(:func:`topdesk_preflight.context.prefetch`), so their round trips overlap the
network checks instead of waiting for ``network.tls`` to pass.
"""

from __future__ import annotations

import re
from typing import Any

from topdesk_preflight.guide import TS_HCP_CANNOT_CONNECT, hcp_admin, network_admin, topdesk_admin
from topdesk_preflight.context import Context, prefetch
from topdesk_preflight.errors import TopdeskError
from topdesk_preflight.model import EVIDENCE_PRODUCT_VERSION, EVIDENCE_TOPDESK_VERSION, CheckResult
from topdesk_preflight.registry import check
from topdesk_preflight.vocabulary import topdesk_version_words

#: TOPdesk's own HTML page for a refused login, in English (pipedream issue #19120 quotes it): Tomcat's
#: ``http.401.desc`` (apache/tomcat java/org/apache/catalina/valves/LocalStrings.properties).
TOPDESK_401_PAGE_TEXT = "lacks valid authentication credentials"
#: Keys of TOPdesk's JSON error shapes. The 2.7.11 spec documents several per endpoint:
#: ``[{"message"}]``, ``[{"errorMessage"}]``, ``[{"errors": [...]}]`` (ErrorResponseEntity, /branches) and
#: ``{"errors": [...]}`` / ``{"message"}`` (/locations).
ERROR_KEYS = ("message", "errorMessage", "errors", "errorCode")


def _wrong_url_steps(ctx: Context) -> list[str]:
    return [
        hcp_admin(f"Correct the TOPdesk URL in the HCP connection wizard (tested: {ctx.settings.url}): use the "
                  "address you open TOPdesk with, like https://<tenant>.topdesk.net, without /tas/... "
                  "(the API path is added automatically)."),
        network_admin("If the URL is right, check that no proxy, single-sign-on or portal page answers "
                      "instead of TOPdesk for the HCP server."),
    ]


def version_response(ctx: Context) -> Any:
    """The raw answer of ``/tas/api/version`` (any status); raises only transport errors."""
    return ctx.once("api.version", lambda: ctx.client.fetch("/version"))


def product_version_response(ctx: Context) -> Any:
    """The raw answer of ``/tas/api/productVersion`` (any status); raises only transport errors."""
    return ctx.once("api.product_version", lambda: ctx.client.fetch("/productVersion"))


# /version is prefetched whenever api.reachable runs. /productVersion is prefetched side by side
# with it only when the run goes on past api.reachable (auth.credentials, and so every
# authenticated check, waits for api.reachable): there it takes a round trip off every run's
# critical path, at the cost of one needless GET at a wrong URL. A run that stops at
# api.reachable gains nothing from it, so there it is asked for after /version, as before.
prefetch(used_by=("api.reachable",))(version_response)
prefetch(used_by=("auth.credentials",))(product_version_response)


def _version_of(response: Any) -> str | None:
    """The API version from a 200 JSON answer of /version, or None."""
    if response.status != 200 or not response.is_json:
        return None
    data = _json_or_none(response)
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) and version.strip() else None


@check(id="api.reachable", title="The URL answers like TOPdesk's REST API", guide=TS_HCP_CANNOT_CONNECT,
       depends_on=("network.tls",))
def reachable(ctx: Context) -> CheckResult:
    """A wrong URL (a portal, a login page, a typo'd path) looks like a connection problem in HCP."""
    response = version_response(ctx)
    evidence: dict[str, Any] = {"status": response.status, "content_type": response.content_type or None,
                                "path": response.path}
    status = response.status
    if status == 200 and response.is_json:
        try:
            response.json()
        except TopdeskError:  # a cut-off or empty body: say so rather than "not TOPdesk"
            what = "an empty body" if not response.body.strip() else "invalid JSON"
            return CheckResult.errored(
                f"{response.path} answered 200 with {what} where TOPdesk sends its version, so this run "
                "cannot tell whether the URL is right.",
                evidence=evidence,
                remediation=[topdesk_admin("Run again; if it persists, a proxy or TOPdesk itself is cutting "
                                           "answers short: report the time and the path to TOPdesk support.")])
        version = _version_of(response)
        if version is None:
            return CheckResult.failed(
                f"{response.path} answered JSON without a version: this URL is not TOPdesk's REST API.",
                evidence=evidence, remediation=_wrong_url_steps(ctx))
        evidence[EVIDENCE_TOPDESK_VERSION] = version
        product = _product_version(ctx, evidence)
        which = topdesk_version_words(product, version)  # "TOPdesk 16.6.7 (REST API 3.7.4)", as every output
        return CheckResult.passed(
            f"TOPdesk's REST API answers: {'' if product else 'TOPdesk version '}{which}.", evidence=evidence)
    if 300 <= status < 400:
        from topdesk_preflight.client.response import redirect_target, redirect_text  # --list-checks stays light

        evidence["redirect_to"] = redirect_target(response)
        return CheckResult.failed(
            redirect_text(response), evidence=evidence,
            remediation=[*_wrong_url_steps(ctx),
                         network_admin(f"If {evidence['redirect_to']} is a proxy or single sign-on portal, let "
                                       "the HCP server reach TOPdesk's /tas/api directly.")])
    if status in (401, 403) and _topdesk_refusal(response):
        evidence["messages"] = response.messages
        return CheckResult.passed(
            f"TOPdesk's REST API answers; it refused the login for the version ({status}), so "
            "auth.credentials judges the login.",
            details=[f"TOPdesk said: {'; '.join(response.messages) or '(empty body)'}",
                     "The TOPdesk version needs a login to read; it is not known yet."],
            evidence=evidence)
    if status >= 500 or status == 429:
        evidence["messages"] = response.messages
        return CheckResult.errored(
            f"{response.path} answered {status}: TOPdesk (or a proxy in front of it) failed, so this run "
            "cannot tell whether the URL is right.",
            evidence=evidence,
            remediation=[topdesk_admin("Run again later; if it persists, report the time and the path to the "
                                       "TOPdesk administrator or TOPdesk support.")])
    return CheckResult.failed(_wrong_url_summary(response), evidence={**evidence, "messages": response.messages},
                              remediation=_wrong_url_steps(ctx))


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except TopdeskError:
        return None


def _topdesk_refusal(response: Any) -> bool:
    """A 401/403 body in one of TOPdesk's shapes, not some other server's page.

    The shape, never the wording, decides: Tomcat translates its error page per request
    locale (ErrorReportValve; ``LocalStrings_fr.properties``: "La requête nécessite une
    authentification HTTP."), so a French server's 401 page has no English sentence, but
    its title still names the status ("État HTTP 401 – Non autorisé"). The client asks
    for English (``Accept-Language: en``) as well; this is the second lock.
    """
    body = response.body.decode("utf-8", errors="replace").strip()
    if response.is_html:
        title = response.messages[0] if response.messages else ""
        return (TOPDESK_401_PAGE_TEXT in " ".join(body.split()).lower()
                or re.search(rf"\b{response.status}\b", title) is not None)
    if not body:
        return False
    data = _json_or_none(response) if (response.is_json or body[:1] in "[{") else None
    if isinstance(data, list):
        return bool(data) and all(isinstance(item, dict) and any(k in item for k in ERROR_KEYS) for item in data)
    if isinstance(data, dict):
        return any(k in data for k in ERROR_KEYS)
    # Plain text such as "No valid authentication token provided" [C-peer] TOPdeskPS issue #114.
    return not body.startswith("<") and len(body) < 1000


def _wrong_url_summary(response: Any) -> str:
    status, path = response.status, response.path
    if status == 404:
        return f"{path} answered 404 Not Found: this URL does not lead to TOPdesk's REST API."
    if response.is_html:
        title = response.messages[0] if response.messages else "no title"
        return (f"{path} answered {status} with an HTML page ({title}) instead of TOPdesk's JSON: wrong URL, "
                "or a portal or login page in between.")
    kind = "JSON" if response.is_json else (response.content_type or "an unlabelled body")
    return f"{path} answered {status} with {kind} that is not TOPdesk's: this URL is not TOPdesk's REST API."


def _product_version(ctx: Context, evidence: dict[str, Any]) -> str | None:
    """``/productVersion`` as "16.6.7", or None: nice to have in the ticket, never a reason to fail."""
    try:
        response = product_version_response(ctx)
    except TopdeskError:
        return None
    if response.status != 200 or not response.is_json:
        evidence["product_version_status"] = response.status
        return None
    data = _json_or_none(response)
    if not isinstance(data, dict):
        return None
    parts = [data.get(k) for k in ("major", "minor", "patch")]
    if not all(isinstance(p, int) or (isinstance(p, str) and re.fullmatch(r"\d+", p)) for p in parts):
        return None
    product = ".".join(str(int(p)) for p in parts)  # type: ignore[arg-type]
    evidence[EVIDENCE_PRODUCT_VERSION] = product
    return product
