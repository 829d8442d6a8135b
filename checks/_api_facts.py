"""Facts about the REST API's front door: what ``/version`` and ``/productVersion`` answered.

``api.reachable`` judges the *shape* of ``/version``'s answer (any status: a refused
login still proves the URL, docs/design.md §1.1), so the fact is not a decoded body but
a small typed answer: status, content type, TOPdesk's messages, whether a 401/403 body
is one of TOPdesk's own shapes, the version if there is one. Reading the HTTP answer
happens here, in :meth:`VersionAnswer.from_response` and
:meth:`ProductVersionAnswer.from_response`; the check only decides.

Both facts are fetched once per run and prefetched when the run starts
(:func:`topdesk_preflight.context.prefetch`), so their round trips overlap the network
checks instead of waiting for ``network.tls`` to pass.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from attrs import frozen

from topdesk_preflight.checks._unknown import Known, Unknown
from topdesk_preflight.context import Context, prefetch
from topdesk_preflight.errors import TopdeskError

if TYPE_CHECKING:  # the client is imported only when a request is made: --list-checks stays light
    from topdesk_preflight.client.response import ApiResponse

#: TOPdesk's own HTML page for a refused login, in English (pipedream issue #19120 quotes it): Tomcat's
#: ``http.401.desc`` (apache/tomcat java/org/apache/catalina/valves/LocalStrings.properties).
TOPDESK_401_PAGE_TEXT = "lacks valid authentication credentials"
#: Keys of TOPdesk's JSON error shapes. The 2.7.11 spec documents several per endpoint:
#: ``[{"message"}]``, ``[{"errorMessage"}]``, ``[{"errors": [...]}]`` (ErrorResponseEntity, /branches) and
#: ``{"errors": [...]}`` / ``{"message"}`` (/locations).
ERROR_KEYS = ("message", "errorMessage", "errors", "errorCode")


@frozen
class Redirect:
    """A 3xx: the host it points to (never its path or query) and the sentence that says so."""

    target: str
    text: str


@frozen
class VersionAnswer:
    """What ``GET /tas/api/version`` answered, whatever its status (docs/topdesk-api.md §2.2).

    ``unreadable_json`` says what a body labelled JSON held instead ("an empty body",
    "invalid JSON"); ``api_version`` is the REST API's version from a 200 JSON answer;
    ``topdesk_refusal`` is True for a 401/403 whose body is in one of TOPdesk's shapes.
    """

    status: int
    path: str
    content_type: str
    is_json: bool
    is_html: bool
    messages: tuple[str, ...]
    unreadable_json: str | None
    api_version: Known[str]
    topdesk_refusal: bool
    redirect: Redirect | None

    @classmethod
    def from_response(cls, response: ApiResponse) -> VersionAnswer:
        data, unreadable = _json_of(response)
        return cls(status=response.status, path=response.path, content_type=response.content_type,
                   is_json=response.is_json, is_html=response.is_html, messages=tuple(response.messages),
                   unreadable_json=unreadable, api_version=_api_version(response, data),
                   topdesk_refusal=response.status in (401, 403) and _topdesk_refusal(response),
                   redirect=_redirect(response))


@frozen
class ProductVersionAnswer:
    """What ``GET /tas/api/productVersion`` answered: the release, ``{"major", "minor", "patch"}`` (§2.2)."""

    status: int
    is_json: bool
    version: Known[str]  # "16.6.7"

    @classmethod
    def from_response(cls, response: ApiResponse) -> ProductVersionAnswer:
        return cls(status=response.status, is_json=response.is_json, version=_product_version(response))


def version_response(ctx: Context) -> VersionAnswer:
    """The answer of ``/tas/api/version`` (any status); raises only transport errors."""
    return ctx.once("api.version", lambda: VersionAnswer.from_response(ctx.client.fetch("/version")))


def product_version_response(ctx: Context) -> ProductVersionAnswer:
    """The answer of ``/tas/api/productVersion`` (any status); raises only transport errors."""
    return ctx.once("api.product_version",
                    lambda: ProductVersionAnswer.from_response(ctx.client.fetch("/productVersion")))


# /version is prefetched whenever api.reachable runs. /productVersion is prefetched side by side
# with it only when the run goes on past api.reachable (auth.credentials, and so every
# authenticated check, waits for api.reachable): there it takes a round trip off every run's
# critical path, at the cost of one needless GET at a wrong URL. A run that stops at
# api.reachable gains nothing from it, so there it is asked for after /version, as before.
prefetch(used_by=("api.reachable",))(version_response)
prefetch(used_by=("auth.credentials",))(product_version_response)


# ------------------------------------------------------------------------------------ reading answers

def _json_of(response: ApiResponse) -> tuple[Any, str | None]:
    """A JSON-labelled body decoded, or None and what it held instead."""
    if not response.is_json:
        return None, None
    try:
        return response.json(), None
    except TopdeskError:  # a cut-off or empty body: say so rather than "not TOPdesk"
        return None, "an empty body" if not response.body.strip() else "invalid JSON"


def _api_version(response: ApiResponse, data: Any) -> Known[str]:
    if response.status != 200 or not response.is_json:
        return Unknown(f"/version answered {response.status} {response.content_type or 'without a type'}")
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, str) and version.strip():
        return version
    return Unknown("the answer has no version")


def _product_version(response: ApiResponse) -> Known[str]:
    if response.status != 200 or not response.is_json:
        return Unknown(f"/productVersion answered {response.status}")
    data, _ = _json_of(response)
    parts = [data.get(k) for k in ("major", "minor", "patch")] if isinstance(data, dict) else []
    numbers = [p for p in parts if isinstance(p, int) or (isinstance(p, str) and re.fullmatch(r"\d+", p))]
    if not parts or len(numbers) < len(parts):
        return Unknown("the answer has no major, minor and patch numbers")
    return ".".join(str(int(p)) for p in numbers)


def _redirect(response: ApiResponse) -> Redirect | None:
    if not 300 <= response.status < 400:
        return None
    from topdesk_preflight.client.response import redirect_target, redirect_text

    return Redirect(target=redirect_target(response), text=redirect_text(response))


def _topdesk_refusal(response: ApiResponse) -> bool:
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


def _json_or_none(response: ApiResponse) -> Any:
    try:
        return response.json()
    except TopdeskError:
        return None
