"""The command line's flags and ``--help``: argparse only, so ``--help`` answers at once.

Every flag here also has a ``TOPDESK_<NAME>`` variable and a config-file key
(settings.py reads all three); :func:`flags_of` hands settings.py only what was
typed, so a variable or the config file can still fill in the rest.
"""

from __future__ import annotations

import argparse
import re
import shutil
import textwrap
from typing import Any

from topdesk_preflight.exit_codes import help_lines

DEMO_DEFAULT_SCENARIO = "demo"

#: The text after the flags' help. One entry a line, never broken by hand: ``--help`` wraps each to the
#: terminal (:class:`WrappedHelpFormatter`), under its term, and keeps example command lines whole.
EPILOG = """\
statuses:
  PASS   verified: read from TOPdesk and right
  WARN   works, but worth a look (or could not be verified, and the line says why)
  FAIL   TOPdesk showed the fault; the steps say who fixes it
  ERROR  could not be assessed (TOPdesk or the network failed): readiness unknown
  SKIP   nothing verified: blocked by a prerequisite that did not pass, or not checked because a setting was not given (the line names the flag, e.g. --room)

fleet mode:
  topdesk-preflight fleet TARGETS.toml    check many tenants at once (see fleet --help)

redacted reports (--redact):
  topdesk-preflight unredact REPORT.json --map KEY.redaction-map.json
      the report with the real values, for the customer's admin

exit codes:
""" + "\n".join(help_lines()) + """
silenced checks (config file [[silence]] with id, reason, until) never change the exit code.

the application password is read from TOPDESK_APP_PASSWORD, from --app-password-file, or from a hidden prompt on a terminal; it is never accepted as a flag value. Every flag can also be set as TOPDESK_<NAME> (e.g. TOPDESK_URL, TOPDESK_BRANCH) or in a TOML --config file (url = "...", branch = "...").
"""

#: Lines that start like this are example command lines: never broken, so they can be copied.
_COMMANDS = ("topdesk-preflight ", "python ")
#: A term and its description, two or more spaces apart: ``  PASS   verified: ...``.
_DEFINITION = re.compile(r"^( *)(\S.*?)( {2,})(\S.*)$")
#: The narrowest help argparse is asked for, whatever the terminal says.
MIN_HELP_WIDTH = 40


class WrappedHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` wrapped to the terminal: argparse wraps the flags; this wraps the description and epilog.

    RawDescriptionHelpFormatter alone would print them as written, so a narrow
    terminal would break every long line at its edge, mid-word, under column 0.
    Here each line is wrapped by itself: a term's description continues under the
    description, prose under its own indent, and example command lines are never
    broken (a broken one cannot be pasted).
    """

    def __init__(self, prog: str, **kwargs: Any) -> None:
        kwargs.setdefault("width", help_width())
        super().__init__(prog, **kwargs)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "".join(f"{indent}{line}\n" if line else "\n" for line in wrap_help(text, width))


def help_width() -> int:
    """The columns ``--help`` may use: the terminal's (or $COLUMNS), less argparse's margin of 2; 78 in a pipe."""
    return max(MIN_HELP_WIDTH, shutil.get_terminal_size((80, 24)).columns - 2)


def wrap_help(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` columns, but for example command lines, which stay whole."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = " " * (len(line) - len(stripped))
        definition = _DEFINITION.match(line)
        if not stripped or len(line) <= width:
            lines.append(line.rstrip())
        elif definition is not None:
            term = definition.group(1) + definition.group(2)
            prefix = term + definition.group(3)
            if len(prefix) > width // 2:  # a long term (a command) on its own line, its description below
                lines.append(term)
                prefix = indent + "    "
            lines += _fill(definition.group(4), width, prefix, " " * len(prefix))
        elif stripped.startswith(_COMMANDS):
            lines.append(line)
        else:
            lines += _fill(stripped, width, indent, indent)
    return lines


def _fill(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_long_words=False,
                         break_on_hyphens=False) or [first.rstrip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="topdesk-preflight",
        description="Check whether a TOPdesk instance is ready to be connected to Humly Control "
                    "Panel, and say exactly what to fix. Read-only: it never changes TOPdesk.",
        epilog=EPILOG, formatter_class=WrappedHelpFormatter)
    what = parser.add_argument_group("what to check (as typed into HCP's TOPdesk wizard)")
    what.add_argument("--url", help="TOPdesk URL, e.g. https://acme.topdesk.net (https assumed)")
    what.add_argument("--username", help="the operator's login name (not its email)")
    what.add_argument("--branch", help="the branch configured in HCP, e.g. 'HQ Stockholm' (required unless "
                                       "--only/--skip narrows the run)")
    what.add_argument("--email", help="the operator email entered in HCP")
    what.add_argument("--room", dest="rooms", action="append", metavar="NAME",
                      help="a room HCP should import (repeatable)")
    what.add_argument("--app-password-expires", metavar="YYYY-MM-DD",
                      help="the application password's expiry date, as set in TOPdesk")
    what.add_argument("--expiry-warning-days", type=int, metavar="DAYS",
                      help="warn this many days before the application password expires (30)")
    what.add_argument("--app-password-file", metavar="PATH",
                      help="read the application password from this file (first line)")
    conn = parser.add_argument_group("connection")
    conn.add_argument("--ca-bundle", metavar="PATH", help="trust this CA bundle instead of the system store")
    conn.add_argument("--insecure", action="store_true", default=None,
                      help="do not verify TLS certificates (loudly reported)")
    conn.add_argument("--timeout", type=float, metavar="SECONDS", help="read time-out per request (10)")
    conn.add_argument("--deadline", type=float, metavar="SECONDS", help="deadline for the whole run (60)")
    conn.add_argument("--concurrency", type=int, metavar="N", help="checks run at once (8)")
    out = parser.add_argument_group("reports and output")
    out.add_argument("--output-dir", metavar="DIR", help="where reports are written (.)")
    out.add_argument("--json", dest="json_path", metavar="PATH|-", help="JSON report path, '-' for stdout")
    out.add_argument("--html", dest="html_path", metavar="PATH", help="HTML report path")
    out.add_argument("--no-html", action="store_true", default=None, help="do not write the HTML report")
    out.add_argument("--only", metavar="ID,...", help="run only these checks or areas (and prerequisites)")
    out.add_argument("--skip", metavar="ID,...", help="skip these checks or areas")
    out.add_argument("--fail-on", choices=("warn", "fail"), help="exit 1 on warnings too (fail)")
    out.add_argument("--config", metavar="FILE", help="TOML file with settings (and [[silence]] entries)")
    out.add_argument("--compare", metavar="EARLIER",
                     help="mark each check fixed / newly broken / still broken / unchanged against an "
                          "earlier report: its .json, or its .html (the JSON it embeds, SHA-256 checked)")
    out.add_argument("--junit", dest="junit_path", metavar="PATH",
                     help="also write JUnit XML, one test case per check (for CI pipelines)")
    out.add_argument("--redact", action="store_true", default=None,
                     help="replace the names, emails, logins and phone numbers TOPdesk returned by tokens "
                          "(person-1) in every output; the key goes to a private *.redaction-map.json")
    out.add_argument("--redaction-map", metavar="PATH",
                     help="with --redact: the key file to reuse and extend, so tokens stay the same across runs")
    out.add_argument("--ticket-text", action="store_true",
                     help="print a short plain-text summary to paste into a support ticket")
    out.add_argument("--quiet", action="store_true", default=None, help="print only the summary")
    out.add_argument("-v", "--verbose", action="store_true",
                     help="show how long each check took on its line")
    out.add_argument("--debug", action="store_true", default=None,
                     help="log every request (method, path, status, time; never secrets) to stderr")
    modes = parser.add_argument_group("other modes")
    modes.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    modes.add_argument("--demo", nargs="?", const=DEMO_DEFAULT_SCENARIO, metavar="SCENARIO",
                       help="run against the built-in TOPdesk simulator (default scenario: a "
                            "realistic not-ready instance); it gives the URL, login, password, branch, "
                            "email and CA, every other flag and TOPDESK_* setting applies; needs the "
                            "'demo' extra (trustme)")
    modes.add_argument("--profile", metavar="NAME[+NAME]",
                       help="with --demo: simulate another kind of TOPdesk (e.g. pre_2024, french, "
                            "branch_filter; python -m topdesk_preflight.sandbox --list-profiles)")
    modes.add_argument("--demo-port", type=int, metavar="PORT",
                       help="with --demo: serve the simulator on this port of 127.0.0.1 (default: any free "
                            "one), so two demo runs check the same URL and --compare compares like with like")
    modes.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def flags_of(args: argparse.Namespace) -> dict[str, Any]:
    """The values typed on the command line that settings.py merges (None where a flag was not given).

    Those are the settings of the one table that have a flag, and the two that say where more
    settings are. The table is imported here, not at the top: ``--help`` and ``--version`` need
    no dependency (attrs), and only a run calls this.
    """
    from topdesk_preflight.settings_fields import FIELDS

    names = [f.name for f in FIELDS.values() if f.flag] + ["app_password_file", "config"]
    return {name: getattr(args, name) for name in names}
