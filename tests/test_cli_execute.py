"""One run and its outputs: reports under names no other run takes, each under its own guard.

Every test runs the whole catalogue in-process against the sandbox over real
HTTPS (``cli.execute``, what ``python -m topdesk_preflight`` calls).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from topdesk_preflight import cli
from topdesk_preflight.reports.paths import host_for_file_name
from topdesk_preflight.sandbox import Sandbox


def names_of_the_next_seconds(sb: Sandbox, seconds: int = 30) -> list[str]:
    """The default report stems a run against ``sb`` would take in each of the next ``seconds``."""
    now = datetime.now(UTC).replace(microsecond=0)
    host = host_for_file_name(sb.url)
    return [f"topdesk-preflight-{host}-{(now + timedelta(seconds=n)):%Y%m%dT%H%M%SZ}" for n in range(-1, seconds)]


def test_a_run_in_the_same_second_as_another_gets_its_own_names_for_both_reports(sb, tmp_path, capsys):
    taken = names_of_the_next_seconds(sb)
    for stem in taken:  # what a run in this very second would have written already
        (tmp_path / f"{stem}.json").write_text("the other run's JSON")
    code = cli.execute(sb.settings(output_dir=str(tmp_path)))
    assert code == cli.EXIT_READY, capsys.readouterr().err
    mine = sorted(p.name for p in tmp_path.iterdir() if p.read_text() != "the other run's JSON")
    assert len(mine) == 2 and mine[0].endswith("-2.html") and mine[1].endswith("-2.json")
    assert mine[0][:-5] == mine[1][:-5]  # one suffix for the JSON and the HTML of one run
    assert all((tmp_path / f"{stem}.json").read_text() == "the other run's JSON" for stem in taken)
    assert f"Reports:\n  {tmp_path / mine[1]}\n  {tmp_path / mine[0]}\n" in capsys.readouterr().out


def test_the_name_of_a_report_that_could_not_be_written_is_given_back(sb, tmp_path, monkeypatch, capsys):
    import topdesk_preflight.reports.html_report as html_report

    def broken(*args: object, **kwargs: object) -> Path:
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(html_report, "write_html", broken)
    code = cli.execute(sb.settings(output_dir=str(tmp_path)))
    assert code == cli.EXIT_TOOL_BROKE
    assert [p.suffix for p in tmp_path.iterdir()] == [".json"]  # no empty .html left behind
    assert "could not write the HTML report (RuntimeError)" in capsys.readouterr().err


@pytest.mark.parametrize("flags, files", [
    ({"json_path": "-", "no_html": True}, []),
    ({"no_html": True}, [".json"]),
])
def test_only_the_reports_a_run_writes_are_created(sb, tmp_path, capsys, flags, files):
    cli.execute(sb.settings(output_dir=str(tmp_path), **flags))
    assert sorted(p.suffix for p in tmp_path.iterdir()) == files
    assert all(p.stat().st_size > 0 for p in tmp_path.iterdir())
