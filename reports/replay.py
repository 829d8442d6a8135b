"""Evidence support can replay: each recorded request as a ready ``curl`` command.

A support engineer who doubts a finding wants to send the very request the
check sent and see TOPdesk's answer with their own eyes. The command names the
application password only as ``$TOPDESK_APP_PASSWORD``, which the shell expands
when the command runs; the report never holds the value (it never had it).

Everything else is quoted with ``shlex.quote`` semantics, so a login or a URL
holding quotes, spaces or ``$`` reaches curl exactly as recorded and can never
run anything. Paths are recorded relative to the instance root (``/tas/api/...``,
already percent-encoded by the client), so the URL is the report's base URL plus
the path.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING, Any, Mapping

from attrs import frozen

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import Report, RequestRecord

PASSWORD_VARIABLE = "TOPDESK_APP_PASSWORD"
JSON_ACCEPT = "application/json"
# checks/_person_facts.py asks persons v2 with this media type ([C-spec], docs/topdesk-api.md §6.2).
PERSON_V2_ACCEPT = "application/x.topdesk-person-v2+json"

# The client records the Accept header it sent (RequestRecord.accept), which is what a replay uses.
# Records made without it (older reports, hand-built records) fall back to the path: checks/_person_facts.py
# sends the persons v2 Accept header on GET /tas/api/persons/{id} (v1's fallback is /persons/id/{id}).
_PERSON_V2_PATH = re.compile(r"^/tas/api/persons/(?!id/)[^/?]+(\?|$)")
# curl treats [] and {} in a URL as glob patterns; --globoff makes it send them as they are.
_GLOB_CHARACTERS = re.compile(r"[\[\]{}]")


def accept_header(record: "RequestRecord") -> str:
    """The Accept header the original request carried (recorded, or inferred from the path; see above)."""
    recorded = getattr(record, "accept", None)
    if isinstance(recorded, str) and recorded:
        return recorded
    return PERSON_V2_ACCEPT if _PERSON_V2_PATH.match(record.path) else JSON_ACCEPT


def accept_is_inferred(record: "RequestRecord") -> bool:
    """True when the Accept header was guessed from the path because the record does not hold it."""
    return not getattr(record, "accept", None) and accept_header(record) != JSON_ACCEPT


def replay_url(record: "RequestRecord", base_url: str) -> str:
    """The absolute URL of the recorded request: the instance root plus the recorded path and query."""
    return base_url.rstrip("/") + record.path


def quoted(text: str) -> str:
    """``text`` in single quotes, as ``shlex.quote`` quotes anything unsafe, even when it looks safe.

    Always quoting a URL keeps ``?``, ``&`` and ``=`` obviously inert to a reader
    pasting the command, not just to the shell.
    """
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _user_option(username: str) -> str:
    """``"hcp-svc:$TOPDESK_APP_PASSWORD"``, the login quoted so that only the variable expands."""
    login = username + ":"
    if shlex.quote(login) == login:  # nothing the shell would touch: the familiar double-quoted form
        return f'"{login}${PASSWORD_VARIABLE}"'
    return shlex.quote(login) + f'"${PASSWORD_VARIABLE}"'


def curl_command(record: "RequestRecord", *, base_url: str, username: str, ca_bundle: str | None = None,
                 insecure: bool = False) -> str:
    """A one-line shell command that sends ``record``'s request again.

    ``curl -sS --fail-with-body -u "hcp-svc:$TOPDESK_APP_PASSWORD" -H 'Accept: application/json' 'URL'``,
    with ``--cacert PATH`` when the run trusted a CA bundle and ``-k`` when it ran with ``--insecure``,
    ``-I`` for a HEAD request and ``--globoff`` when the URL holds ``[]{}``.
    """
    url = replay_url(record, base_url)
    parts = ["curl", "-sS", "--fail-with-body"]
    if record.method.upper() == "HEAD":
        parts.append("-I")
    if ca_bundle:
        parts += ["--cacert", shlex.quote(ca_bundle)]
    if insecure:
        parts.append("-k")
    if _GLOB_CHARACTERS.search(url):
        parts.append("--globoff")
    parts += ["-u", _user_option(username), "-H", quoted(f"Accept: {accept_header(record)}"), quoted(url)]
    return " ".join(parts)


@frozen
class CurlBuilder:
    """The per-report part of a curl command (URL, login, trust), applied to each recorded request."""

    base_url: str
    username: str
    ca_bundle: str | None = None
    insecure: bool = False

    @classmethod
    def from_report(cls, report: "Report") -> "CurlBuilder":
        """From the report's public settings (the runner's), falling back to its target."""
        settings: Mapping[str, Any] = report.settings
        ca_bundle = settings.get("ca_bundle")
        return cls(base_url=str(settings.get("url") or report.target.url),
                   username=str(settings.get("username") or report.target.username),
                   ca_bundle=str(ca_bundle) if ca_bundle else None, insecure=bool(settings.get("insecure")))

    def __call__(self, record: "RequestRecord") -> str:
        return curl_command(record, base_url=self.base_url, username=self.username, ca_bundle=self.ca_bundle,
                            insecure=self.insecure)
