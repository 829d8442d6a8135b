"""``--help``: wrapped to the terminal, each term's description under itself, example command lines whole."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from topdesk_preflight.cli_parser import EPILOG, build_parser, flags_of, wrap_help

UNREDACT = "topdesk-preflight unredact REPORT.json --map KEY.redaction-map.json"


def help_at(columns: int) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}
    env["COLUMNS"] = str(columns)  # what shutil.get_terminal_size reads first, as a terminal would say
    proc = subprocess.run([sys.executable, "-m", "topdesk_preflight", "--help"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_every_line_of_help_fits_the_terminal_but_example_commands(columns):
    lines = help_at(columns)
    assert [line for line in lines if len(line) > columns and line.strip() != UNREDACT] == []
    assert any(line.strip() == UNREDACT for line in lines)  # whole, so it can be pasted


def test_a_wide_terminal_shows_each_entry_on_one_line():
    lines = help_at(240)
    assert "  130  interrupted (Ctrl-C)" in lines
    assert any(line.startswith("  SKIP   nothing verified") and line.endswith("e.g. --room)") for line in lines)
    assert "  topdesk-preflight fleet TARGETS.toml    check many tenants at once (see fleet --help)" in lines


def test_a_description_continues_under_its_text_not_under_its_term():
    wrapped = wrap_help("  WARN   works, but worth a look (or could not be verified, and the line says why)", 40)
    assert wrapped == ["  WARN   works, but worth a look (or",
                       "         could not be verified, and the",
                       "         line says why)"]


def test_a_long_term_goes_on_its_own_line_and_its_description_below():
    wrapped = wrap_help("  topdesk-preflight fleet TARGETS.toml    check many tenants at once", 40)
    assert wrapped == ["  topdesk-preflight fleet TARGETS.toml", "      check many tenants at once"]


def test_prose_is_refilled_and_never_breaks_a_flag_or_a_variable():
    paragraph = EPILOG.splitlines()[-1]
    wrapped = wrap_help(paragraph, 30)
    assert " ".join(wrapped).split() == paragraph.split()
    assert all(len(line) <= 30 for line in wrapped)
    words = " ".join(wrapped).split()
    assert "--app-password-file," in words and "TOPDESK_APP_PASSWORD," in words


def test_every_flag_of_the_settings_table_is_an_option_with_that_name_and_no_other_setting_is():
    """The table in settings_fields drives the flags: each row with a flag is exactly one option."""
    from topdesk_preflight.settings_fields import FIELDS

    options = {action.dest: action.option_strings for action in build_parser()._actions}
    for field in FIELDS.values():
        if field.flag:
            assert field.flag in options.get(field.name, []), field.name
        else:
            assert field.name not in options, f"{field.name} has an option but no flag in the table"
    assert set(flags_of(build_parser().parse_args([]))) == {
        f.name for f in FIELDS.values() if f.flag} | {"app_password_file", "config"}
