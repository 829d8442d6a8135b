"""``topdesk-preflight unredact REPORT.json --map KEY``: a redacted report with its real values, for the admin.

Support at Humly reads ``person-1``; the customer's TOPdesk administrator, who holds the key file,
needs the card to open. This prints the JSON report with every token of the key file turned back
into the value it stands for, the key-file hints of the remediation steps and the ``redaction``
notice removed: exactly the report the run would have written without ``--redact``. Nothing is
sent anywhere; ``--output`` writes a file readable by its owner only, like the reports.

Exit codes: 0 restored; 1 restored, but the report holds tokens the key file does not know (another
run's key?); 2 a file is missing or is not what it should be (one line, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, Mapping, Pattern, Sequence

from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.pseudonyms import KEY_HINT
from topdesk_preflight.redaction_key import KEY_SUFFIX, load_key
from topdesk_preflight.settings import SettingsError

EXIT_RESTORED = ExitCode.READY  # 0: done, as for a ready run
EXIT_UNKNOWN_TOKENS = ExitCode.NOT_READY  # 1: done, but something is left for a person to look at
PROG = "topdesk-preflight unredact"

#: Any token this tool makes, known to the key file or not (see pseudonyms.TOKEN_SHAPE).
_ANY_TOKEN = re.compile(r"(?<![\w-])(?:(?:person|operator)-\d+(?:-\d+)?(?:-login|@[\w-]+(?:\.[\w-]+)*)?"
                        r"|phone-\d+(?:-\d+)?)(?![\w@-])")
#: A token is restored where pseudonyms.py could have put it: the same boundaries, or looser; longer
#: tokens are tried first, so ``person-1`` never eats into ``person-1-login`` or ``person-1@acme.example``.
_BEFORE = r"(?:(?<!\w)|(?<=%[0-9A-Fa-f]{2}))"
_AFTER = r"(?![\w@])"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Print a redacted topdesk-preflight JSON report with the real names, emails and "
                               "logins of the key file in place of the tokens (person-1, ...). For the customer's "
                               "own eyes: the result names the customer's staff again.")
    parser.add_argument("report", metavar="REPORT.json", help="a JSON report written with --redact")
    parser.add_argument("--map", required=True, metavar="FILE",
                        help=f"the private key file written with it (*{KEY_SUFFIX})")
    parser.add_argument("--output", metavar="PATH", help="write the restored report here (0600) instead of "
                                                         "printing it")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    document = read_report(args.report)
    values = load_key(args.map, missing_ok=False).values
    restored, unknown = unredact(document, values)
    text = json.dumps(restored, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        from topdesk_preflight.reports.paths import atomic_write_text

        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if unknown:
        shown = ", ".join(sorted(unknown)[:5]) + (", ..." if len(unknown) > 5 else "")
        one = len(unknown) == 1
        tokens, verb, left = ("1 token", "is", "it was left as it is") if one else \
            (f"{len(unknown)} tokens", "are", "they were left as they are")
        print(f"topdesk-preflight: {tokens} in {args.report!r} {verb} not in the key file {args.map!r} "
              f"({shown}); {left}: pass the key file written with this report.", file=sys.stderr)
        return EXIT_UNKNOWN_TOKENS
    return EXIT_RESTORED


def read_report(path: str) -> dict[str, Any]:
    """The JSON report at ``path``, or a one-line SettingsError saying what is wrong with the file."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"The report {path!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"Cannot read the report {path!r}: {getattr(exc, 'strerror', None) or exc}.") from None
    except ValueError:
        raise SettingsError(f"The report {path!r} is not JSON: pass the .json report (not the HTML).") from None
    if not isinstance(document, dict) or "checks" not in document:
        raise SettingsError(f"{path!r} is not a topdesk-preflight JSON report.")
    if not isinstance(document.get("redaction"), dict):
        raise SettingsError(f"The report {path!r} is not redacted (it has no \"redaction\" notice): it already "
                            "shows the real values.")
    return document


def unredact(document: Mapping[str, Any], values: Mapping[str, str]) -> tuple[dict[str, Any], set[str]]:
    """``document`` with every known token back to its value, and the tokens the key did not know.

    The ``redaction`` notice goes (the result is no longer redacted) and so do the key-file hints
    :func:`topdesk_preflight.pseudonyms.pseudonymize` wrote after a step's first token.
    """
    pattern = _pattern(values)
    unknown: set[str] = set()

    def restore(match: re.Match[str]) -> str:
        return values[match.group("token")] + match.group("quote")

    def text(value: str) -> str:
        unknown.update(t for t in _ANY_TOKEN.findall(value) if t not in values)
        return pattern.sub(restore, value) if pattern is not None else value

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {text(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    restored = walk({k: v for k, v in document.items() if k != "redaction"})
    return restored, unknown


def _pattern(values: Mapping[str, str]) -> Pattern[str] | None:
    """Every token of the key, longest first, with the quote and the key-file hint that may follow it."""
    if not values:
        return None
    alternatives = "|".join(re.escape(token) for token in sorted(values, key=lambda t: (-len(t), t)))
    return re.compile(f"{_BEFORE}(?P<token>{alternatives}){_AFTER}(?P<quote>['\"]?)(?:{re.escape(KEY_HINT)})?")
