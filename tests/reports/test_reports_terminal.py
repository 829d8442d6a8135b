"""The terminal like ``flutter doctor`` (issue 20): fitted lines in catalogue order, blocked checks folded.

Each test reads as one promise of the terminal output: a line never wider than
the terminal and never a word cut in two, the same order whatever order checks
finish in, one line for the checks a failure blocks, remediation wrapped under
its number, the ticket text last between markers and inert in a markdown ticket.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from reports_fixtures import (
    GENERATED_AT,
    LONG_NAME,
    all_reports,
    identify,
    issue_11_reports,
    mixed_report,
    public_settings,
)

from topdesk_preflight import cli
from topdesk_preflight.model import CheckResult, Report, Target, evolve
from topdesk_preflight.registry import load_catalogue
from topdesk_preflight.reports.sanitize import clean_text, clip_words, columns
from topdesk_preflight.reports.progress_lines import ProgressLines
from topdesk_preflight.reports.text_report import (
    ASCII_GLYPHS, GLYPHS, counts_text, marks_for, result_line, summary_lines, terminal_width,
)
from topdesk_preflight.reports.ticket_report import TICKET_END, TICKET_START, ticket_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ELLIPSIS = "\u2026"


def every_report() -> dict[str, Report]:
    return {**all_reports(), **issue_11_reports()}


def _bare(token: str) -> str:
    return token.rstrip(ELLIPSIS).rstrip(",;:")


def assert_no_word_split(line: str, source: str) -> None:
    """Every word of ``line`` is a whole word of ``source`` (the last may end in "…")."""
    words = {_bare(word) for word in source.split()}
    for token in line.split():
        assert _bare(token) in words or not _bare(token), f"{token!r} is not a whole word of {source!r}"


# --- progress lines: fitted, clipped at a word, the summary not the title ------------------------

@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", sorted(every_report()))
def test_no_progress_line_is_wider_than_the_terminal_nor_splits_a_word(name, width):
    for result in every_report()[name].results:
        for color in (False, True):
            line = ANSI.sub("", result_line(result, color=color, width=width))
            assert columns(line) <= width, line
            suffix = " ".join(filter(None, [result.silenced and "(silenced)", result.enable_with,
                                            result.change and f"[{result.change.replace('_', ' ')}]"]))
            summary = clean_text(result.summary, single_line=True)
            assert_no_word_split(line, f"{result.status.value.upper()} SKIP {result.id} {summary} "
                                       f"(not checked: give {result.enable_with}) {suffix}")


def test_a_line_says_what_was_found_not_what_should_be_true():
    rooms = issue_11_reports()["rooms"].result("rooms.reservable")
    line = result_line(rooms, color=False, width=120)
    assert "The typed rooms are reservable" not in line
    assert line.endswith("1 of 3 rooms is not reservable: Borealis 2.10")


def test_the_suffixes_survive_clipping_even_at_the_narrowest_width():
    result = evolve(mixed_report().result("rooms.typed"), silenced="known", change="still_broken",
                    summary="word " * 50, duration_s=3.0)
    for width in (60, 80, 100):
        line = result_line(result, color=False, width=width, timings=True)
        assert len(line) <= width and line.endswith("3.00s  (silenced)  [still broken]"), line
        assert ELLIPSIS in line
    unchecked = CheckResult.unchecked("Not checked: it needs branch.exists, which was not checked (give "
                                      "--branch).", enable_with="--branch")
    line = result_line(identify(unchecked, "rooms.branch_mismatch", "t", "g"), color=False, width=60)
    assert line.endswith("(not checked: give --branch)") and len(line) <= 60


def test_wide_characters_count_two_columns():
    result = identify(CheckResult.failed("部屋 " * 40, remediation=["x"]), "rooms.typed", "t", "g")
    line = result_line(result, color=False, width=80)
    assert columns(line) <= 80 < columns(line) + 4 and line.endswith(ELLIPSIS)


def test_clip_words_cuts_at_a_word_and_only_a_giant_word_mid_way():
    assert clip_words("alpha beta gamma", 12) == "alpha beta\u2026"
    assert clip_words("alpha beta gamma", 40) == "alpha beta gamma"
    assert clip_words(LONG_NAME, 20) == LONG_NAME[:19].rstrip() + ELLIPSIS
    assert columns(clip_words(LONG_NAME, 20)) == 20


def test_a_line_separator_or_a_newline_from_topdesk_never_forges_a_line():
    result = identify(CheckResult.failed("Room A\u2028FAIL  rooms.fake  forged\u2029line\nthree\u0085x",
                                         remediation=["Open\u2028FAIL forged step"]), "rooms.typed", "t", "g")
    line = result_line(result, color=False, width=200)
    assert "\u2028" not in line and "\u2029" not in line and "\n" not in line and "\x85" not in line
    report = Report("topdesk-preflight", "1", GENERATED_AT, Target("https://x.example", "u"), [result])
    for text in (summary_lines(report, color=False, width=80), summary_lines(report, color=False),
                 ticket_text(report).splitlines()):
        joined = "\n".join(text)
        assert not re.search("[\u2028\u2029\x85]", joined)
        assert not any(line.startswith("FAIL  rooms.fake") or line.startswith("FAIL forged") for line in text)


def test_the_terminal_width_is_the_terminals_on_a_terminal_and_80_elsewhere(monkeypatch):
    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.setenv("COLUMNS", "132")
    assert terminal_width(Stream(False)) == 80
    assert terminal_width(Stream(True)) == 132
    monkeypatch.setenv("COLUMNS", "12")
    assert terminal_width(Stream(True)) == 40  # narrower is not useful; the lines would be all ellipsis


# --- catalogue order, whatever the completion order ---------------------------------------------

def _catalogue_results() -> list[CheckResult]:
    """One result per catalogue check, as the runner would give them: a failure and what it blocks."""
    results = []
    failing = "branch.exists"
    for spec in load_catalogue():
        if spec.id == failing:
            result = CheckResult.failed("No branch 'HQ Stockholm'.", remediation=["Create it."])
        elif failing in spec.depends_on or spec.id in ("rooms.reservable",):
            blocker = failing if failing in spec.depends_on else "rooms.present"
            result = CheckResult.skipped(f"skipped: {blocker} fail", evidence={"blocked_by": [blocker]})
        else:
            result = CheckResult.passed(f"{spec.id} is fine.")
        results.append(evolve(result, id=spec.id, title=spec.title, depends_on=spec.depends_on))
    return results


def _printed(results: list[CheckResult], order: list[CheckResult]) -> list[str]:
    lines = ProgressLines(list(load_catalogue()), color=False, width=80)
    printed: list[str] = []
    for result in order:
        printed += lines.add(result)
    return printed + lines.finish()


def test_progress_lines_come_in_catalogue_order_whatever_order_the_checks_finish_in():
    results = _catalogue_results()
    expected = _printed(results, results)
    for seed in range(20):
        shuffled = results[:]
        random.Random(seed).shuffle(shuffled)
        assert _printed(results, shuffled) == expected, seed
    ids = [line.split()[1] for line in expected if not line.split()[1].isdigit()]
    catalogue = [spec.id for spec in load_catalogue()]
    assert ids == [i for i in catalogue if i in ids]


def test_a_line_waits_only_for_the_checks_before_it():
    results = _catalogue_results()
    lines = ProgressLines(list(load_catalogue()), color=False, width=80)
    assert lines.add(results[1]) == []  # network.tcp waits for network.dns
    first = lines.add(results[0])
    assert [line.split()[1] for line in first] == ["network.dns", "network.tcp"]


def test_the_checks_a_failure_blocks_are_one_line_at_the_place_of_the_first():
    results = _catalogue_results()
    printed = _printed(results, results)
    folded = [line for line in printed if "blocked by" in line]
    assert len(folded) == 1
    assert folded[0].startswith("SKIP  5 checks blocked by branch.exists (fail): operator.branch, rooms.present")
    assert len(folded[0]) <= 80
    catalogue = [spec.id for spec in load_catalogue()]
    before = catalogue[:catalogue.index("operator.branch")]
    assert [line.split()[1] for line in printed[:printed.index(folded[0])]] == before
    skipped_ids = {r.id for r in results if r.status.value == "skipped"}
    assert not [line for line in printed if line.split()[1] in skipped_ids]  # none of them one by one


def test_one_blocked_check_keeps_its_own_line_naming_its_cause():
    report = mixed_report()
    lines = ProgressLines([type("S", (), {"id": r.id, "depends_on": r.depends_on})() for r in report.results],
                          color=False, width=80)
    printed = [line for result in report.results for line in lines.add(result)]
    assert "SKIP  rooms.reservable             blocked by rooms.typed (fail)" in printed


def test_a_blocked_check_that_ended_otherwise_is_still_printed():
    """The graph said it would be skipped; the deadline errored it instead: it gets its own line."""
    results = _catalogue_results()
    errored = evolve(CheckResult.errored("not run: the run's deadline of 60 s was reached first"),
                     id="rooms.typed", title="t")
    results = [errored if r.id == "rooms.typed" else r for r in results]
    printed = _printed(results, results)
    assert any(line.startswith("ERROR rooms.typed") for line in printed)
    assert any(line.startswith("SKIP  5 checks blocked by branch.exists") for line in printed)


def test_a_result_outside_the_catalogue_is_printed_as_it_comes():
    lines = ProgressLines([], color=False, width=80)
    assert lines.add(identify(CheckResult.passed("fine"), "plugin.check", "t", "g")) == [
        "PASS  plugin.check                 fine"]


# --- the summary block: wrapped under its number, never clipped ----------------------------------

@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", sorted(every_report()))
def test_the_summary_block_wraps_to_the_width_without_losing_or_splitting_a_word(name, width):
    report = every_report()[name]
    whole = summary_lines(report, color=False, paths=["r.json"])
    wrapped = summary_lines(report, color=False, paths=["r.json"], width=width)
    assert max(columns(line) for line in wrapped) <= width or name == "hostile"
    if name == "hostile":  # a 1,000-character name is broken where the line ends: nothing else fits it
        assert "".join(" ".join(wrapped).split()) == "".join(" ".join(whole).split())
    else:  # only where the lines break moved
        assert " ".join(wrapped).split() == " ".join(whole).split()
    coloured = [ANSI.sub("", line) for line in summary_lines(report, color=True, paths=["r.json"], width=width)]
    assert coloured == wrapped


def test_a_remediation_step_continues_under_its_number_never_at_column_0():
    step = ("TOPdesk administrator: Open the room Aurora 2.08 in branch HQ Stockholm, set Type to Room or "
            "Desk, save; then open the room Borealis 3.01 in the same branch and do the same, and tell the "
            "HCP administrator to import the rooms again from the HCP admin pages.")
    result = identify(CheckResult.failed("2 rooms have no type: Aurora 2.08 and Borealis 3.01",
                                         remediation=[step]), "rooms.typed", "t", "Rooms")
    report = Report("topdesk-preflight", "1", GENERATED_AT, Target("https://x.example", "u"), [result])
    lines = summary_lines(report, color=False, width=80)
    at = next(i for i, line in enumerate(lines) if line.startswith("      1. TOPdesk administrator"))
    continued = lines[at + 1:at + 3]
    assert continued and all(line.startswith(" " * 9) and line[9] != " " for line in continued)
    assert " ".join(line.strip() for line in lines[at:at + 4] if line.startswith(" " * 6)).endswith(
        "import the rooms again from the HCP admin pages.")


def test_a_failure_names_every_room_in_the_summary_block():
    names = [f"Meeting room {n}.{n:02d}" for n in range(1, 16)]
    summary = f"{len(names)} rooms in branch 'HQ Stockholm' have no type: {', '.join(names)}"
    result = identify(CheckResult.failed(summary, remediation=["x"]), "rooms.typed", "t", "Rooms")
    report = Report("topdesk-preflight", "1", GENERATED_AT, Target("https://x.example", "u"), [result])
    text = " ".join(summary_lines(report, color=False, width=80))
    assert all(name in " ".join(text.split()) for name in names)


def test_blocked_checks_under_their_cause_are_one_wrapped_line():
    results = _catalogue_results()
    report = Report("topdesk-preflight", "1", GENERATED_AT, Target("https://x.example", "u"), results,
                    settings=public_settings())
    lines = summary_lines(report, color=False, width=80)
    at = next(i for i, line in enumerate(lines) if line.startswith("      Blocks 5 checks"))
    assert lines[at] == ("      Blocks 5 checks (skipped until fixed): operator.branch, rooms.present,")
    assert lines[at + 1].startswith("        rooms.typed")
    assert not any(line.strip().startswith("SKIP") for line in lines)


def test_counts_say_warning_in_the_singular():
    report = mixed_report()
    assert "1 warning," in counts_text(report) and "1 warnings" not in counts_text(report)


# --- the ticket text -----------------------------------------------------------------------------

def _report_with(results: list[CheckResult], **target: Any) -> Report:
    return Report("topdesk-preflight", "1", GENERATED_AT, Target("https://x.example", "u", **target), results)


@pytest.mark.parametrize("status, groups, shown", [
    ("pass", ["HCP integration"], "HCP integration"),
    ("fail", [], "none linked"),
    ("warn", [], "(unknown)"),  # it could not read them
])
def test_permission_groups_are_none_linked_only_when_they_were_read(status, groups, shown):
    result = CheckResult(status, "x", evidence={"permission_groups": groups})
    text = ticket_text(_report_with([identify(result, "permissions.group", "t", "g")]))
    assert f"Permission groups: {shown}\n" in text
    assert "Permission groups: (unknown)\n" in ticket_text(_report_with([]))


@pytest.mark.parametrize("product, api, shown", [
    ("16.6.7", "3.7.4", "TOPdesk 16.6.7 (REST API 3.7.4)"),
    (None, "3.7.4", "unknown (REST API 3.7.4)"),
    ("16.6.7", None, "TOPdesk 16.6.7"),
    (None, None, "(unknown)"),
])
def test_the_topdesk_version_is_the_products_with_the_rest_apis_in_brackets(product, api, shown):
    text = ticket_text(_report_with([], product_version=product, api_version=api))
    assert f"TOPdesk version: {shown}\n" in text


def test_a_hostile_room_or_group_name_is_inert_in_a_markdown_ticket():
    result = identify(CheckResult.failed("Room [click](http://evil.example) has no type; **x**",
                                         remediation=["Open the room [click](http://evil.example)."],
                                         evidence={"permission_groups": ["<img src=x>", "# Admins"]}),
                      "rooms.typed", "t", "g")
    text = ticket_text(_report_with([result]))
    assert not re.search(r"(?<!\\)\[click(?<!\\)\]\(", text) and not re.search(r"(?<!\\)\*\*x", text)
    assert not re.search(r"(?<!\\)<img", text) and "Permission groups: \\<img src=x>, \\# Admins" in text
    assert "\\[click\\](http://evil.example)" in text and "\\*\\*x\\*\\*" in text


# --- the CLI over the simulator --------------------------------------------------------------------

@pytest.fixture
def run_execute(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    from topdesk_preflight.sandbox import Sandbox

    sandboxes: list[Any] = []

    def run(scenario: str, *, trusted: bool = True, ticket: bool = False, **overrides: Any) -> tuple[int, str]:
        sandbox = Sandbox(scenario=scenario, tls=True).start()
        sandboxes.append(sandbox)
        if not trusted:
            overrides["ca_bundle"] = None
        settings = sandbox.settings(output_dir=str(tmp_path), no_html=True, **overrides)
        code = cli.execute(settings, extras={"ticket_text": ticket})
        return code, without_marks(capsys.readouterr().out)

    yield run
    for sandbox in sandboxes:
        sandbox.stop()


def without_marks(out: str) -> str:
    """The output with each status's glyph taken off (the glyphs have their own tests, in a pty)."""
    return re.sub(r"(?m)^(\s*)[\u2713\u2717!?+x-] (?=(PASS|FAIL|WARN|ERROR|SKIP)\b)", r"\1", out)


def test_an_untrusted_certificate_prints_one_line_for_the_15_checks_it_blocks(run_execute):
    code, out = run_execute("healthy", trusted=False)
    assert code == cli.EXIT_NOT_READY
    lines = out.splitlines()
    assert max(len(line) for line in lines if not line.startswith("  /")) <= 80  # a report path is kept whole
    progress = lines[:lines.index("")]
    assert [line for line in progress if line.startswith("SKIP")][0].startswith(
        "SKIP  15 checks blocked by network.tls (fail): api.reachable, auth.")
    assert not any(line.startswith("SKIP  api.reachable") for line in lines)
    assert sum("blocked by network.tls" in line for line in lines) == 1
    assert sum(line.lstrip().startswith("Blocks 15 checks") for line in lines) == 1
    assert not any(line.endswith("0.00s") for line in lines)


def test_a_missing_supporting_files_permission_folds_what_it_blocks(run_execute):
    code, out = run_execute("no_supporting_files_read")
    assert code == cli.EXIT_NOT_READY
    progress = out.splitlines()[:out.splitlines().index("")]
    assert any(line.startswith("SKIP  5 checks blocked by branch.exists (fail)") for line in progress)
    ids = [line.split()[1] for line in progress if not line.split()[1].isdigit()]
    catalogue = [spec.id for spec in load_catalogue()]
    assert ids == [i for i in catalogue if i in ids]


def test_the_demo_lines_fit_80_columns_and_follow_the_catalogue(run_execute):
    from topdesk_preflight.report_assembly import apply_silences  # noqa: F401  (the CLI marks silences with it)
    from topdesk_preflight.settings import Silence

    silence = Silence("rooms.reservable", "facility team", None)
    code, out = run_execute("demo", silences=(silence,))
    assert code == cli.EXIT_NOT_READY
    lines = out.splitlines()
    assert max(len(line) for line in lines if not line.startswith("  /")) <= 80  # a report path is kept whole
    progress = lines[:lines.index("")]
    assert [line.split()[1] for line in progress] == [spec.id for spec in load_catalogue()]
    reservable = next(line for line in progress if line.split()[1] == "rooms.reservable")
    assert reservable.endswith("(silenced)")
    assert "(not checked: give --room)" in next(line for line in progress if "rooms.branch_mismatch" in line)


def test_the_ticket_text_comes_last_between_markers(run_execute):
    code, out = run_execute("demo", ticket=True)
    lines = out.splitlines()
    assert lines[-1] == TICKET_END
    start = lines.index(TICKET_START)
    assert lines[start + 1].startswith("topdesk-preflight verdict: Not ready")
    assert lines.index("Reports:") < start and lines.count(TICKET_START) == 1
    block = lines[start + 1:-1]
    assert "TOPdesk version: TOPdesk 16.6.7 (REST API 3.7.4)" in block
    assert "Permission groups: none linked" in block
    assert sum(line.startswith("     Step 2: TOPdesk administrator: Open the room Nebula 5.01") for line in block) == 1


def test_unreadable_permission_groups_are_unknown_in_the_ticket(run_execute):
    _, out = run_execute("permission_groups_unreadable", ticket=True)
    assert "Permission groups: (unknown)" in out.splitlines()


def test_insecure_is_said_once_by_the_terminal(run_execute):
    _, out = run_execute("healthy", insecure=True)
    warnings = [line for line in out.splitlines() if line.startswith("WARNING") and "insecure" in line]
    assert len(warnings) == 1


needs_pty = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")


@needs_pty
@pytest.mark.parametrize("columns_wide", [80, 120])
def test_in_a_real_terminal_the_lines_fit_its_width(tmp_path, columns_wide):
    import fcntl
    import struct
    import termios

    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns_wide, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_") and k not in ("COLUMNS", "NO_COLOR")}
    env["TERM"] = "xterm"
    proc = subprocess.Popen([sys.executable, "-m", "topdesk_preflight", "--demo", "--no-html", "--output-dir",
                             str(tmp_path)], stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.PIPE,
                            env=env)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(controller)
    text = ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r\n", "\n")
    lines = [line for line in text.split("\n") if not line.startswith(("Demo: ", "  "))]  # banner, paths
    assert proc.returncode == cli.EXIT_NOT_READY
    assert max(columns(line) for line in lines) <= columns_wide
    assert "\x1b[" in b"".join(chunks).decode("utf-8", "replace")  # colour on a terminal
    if columns_wide > 80:
        assert max(columns(line) for line in lines) > 80  # the width is the terminal's, not a fixed 80


# --- glyphs, and timings only when asked -------------------------------------------------------------

def test_timings_show_only_when_asked_for_with_minus_v_or_debug():
    result = evolve(mixed_report().result("rooms.typed"), duration_s=12.5)
    assert "12.50s" not in result_line(result, color=False)
    assert result_line(result, color=False, timings=True).endswith("12.50s")


@pytest.mark.parametrize("status, glyph, plain", [
    ("pass", "\u2713", "+"), ("fail", "\u2717", "x"), ("warn", "!", "!"), ("error", "?", "?"), ("skipped", "-", "-")])
def test_each_status_has_a_glyph_and_a_plain_ascii_fallback(status, glyph, plain):
    assert GLYPHS[status] == glyph and ASCII_GLYPHS[status] == plain
    assert ASCII_GLYPHS[status].isascii()


def test_a_line_with_marks_keeps_the_id_column_aligned():
    report = mixed_report()
    plain = [result_line(r, color=False) for r in report.sorted_results()]
    marked = [result_line(r, color=False, marks=GLYPHS) for r in report.sorted_results()]
    for result, line in zip(report.sorted_results(), marked):
        assert line.startswith(f"{GLYPHS[result.status.value]} ")
    # the text starts in the same column with marks as without: the id column gave up two places
    for without, with_marks in zip(plain, marked):
        check_id = without.split()[1]
        assert without.index(check_id) + 2 == with_marks.index(check_id)
        assert len(with_marks) <= 80


def test_marks_for_a_stream_that_cannot_encode_check_marks_are_ascii():
    class Stream(io.StringIO):
        def __init__(self, encoding):
            super().__init__()
            self._encoding = encoding

        @property
        def encoding(self):
            return self._encoding

    assert marks_for(Stream("utf-8")) is GLYPHS
    assert marks_for(Stream("cp1252")) is ASCII_GLYPHS
    assert marks_for(Stream("ascii")) is ASCII_GLYPHS


def test_summary_steps_stay_under_the_text_when_marks_widen_the_tag():
    lines = summary_lines(mixed_report(), color=False, width=80, marks=GLYPHS)
    head = next(i for i, line in enumerate(lines) if line.startswith("\u2717 FAIL  rooms.typed"))
    assert lines[head + 1].startswith("        ") and not lines[head + 1].startswith("         ")
