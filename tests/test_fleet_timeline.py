"""``fleet history PATH.sqlite [--tenant NAME] [--since DAY] [--html PATH]``: a tenant's story, a line per change.

The history is built by real nightly fleet runs over HTTPS in which tenants break,
recover and can briefly not be checked; the timeline must show exactly those runs.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from fleet_fixtures import PASSWORD, Fleet, fleet_environment

from topdesk_preflight import fleet_cli


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Six nights of two tenants: Acme is always ready; Beta breaks on night 3, stays broken, is fixed on night 5."""
    folder = tmp_path_factory.mktemp("month")
    history = folder / "history.sqlite"
    patch = pytest.MonkeyPatch()
    fleet_environment(patch)
    try:
        with Fleet(["Acme", "Beta"]) as fleet:
            for night in range(1, 7):
                if night == 3:
                    fleet.serve(Beta="rooms_untyped")
                if night == 5:
                    fleet.serve(Beta="healthy")
                assert fleet_cli.main([str(fleet.targets(folder)), "--output-dir", str(folder / "out"),
                                       "--history", str(history), "--quiet"]) in (0, 1)
        yield history
    finally:
        patch.undo()


def history_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = fleet_cli.main(["history", *args])
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err and "Traceback" not in out + err
    return code, out, err


def test_a_tenants_timeline_has_a_line_per_run_that_changed_something(month, capsys):
    code, out, _ = history_cli(capsys, str(month), "--tenant", "Beta")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "history.sqlite: 6 runs, 1 tenant."
    assert lines[2].startswith("Beta (https://127.0.0.1:") and lines[2].endswith(", now ready")
    assert " 6 runs from " in lines[2]
    moments = [line.split("UTC  ", 1)[1] for line in lines[3:]]
    assert [m.split()[0] for m in moments] == ["ready", "NOT", "ready"]
    assert moments[0].endswith("first run in the history, TOPdesk 16.6.7 (REST API 3.7.4)")
    assert moments[1].endswith("ready -> not ready; broke: rooms.typed")
    assert moments[2].endswith("not ready -> ready; fixed: rooms.typed")


def test_the_tenant_is_found_by_its_name_in_any_case_or_its_folder_name(month, capsys):
    assert "Beta (" in history_cli(capsys, str(month), "--tenant", "beta")[1]
    assert "Acme (" in history_cli(capsys, str(month), "--tenant", "acme")[1]


def test_without_a_tenant_every_tenant_is_shown_not_ready_first(month, capsys):
    code, out, _ = history_cli(capsys, str(month))
    assert code == 0 and "history.sqlite: 6 runs, 2 tenants." in out
    acme = out[out.index("Acme ("):].split("\n\n")[0]
    assert len([line for line in acme.splitlines() if "UTC  " in line]) == 1  # always ready: one line
    assert out.index("Acme (") < out.index("Beta (")  # both ready now: by name


def test_since_keeps_only_the_runs_from_that_day(month, capsys):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    code, out, _ = history_cli(capsys, str(month), "--tenant", "Beta", "--since", tomorrow)
    assert code == 0 and "no run in the chosen period" in out
    code, _, err = history_cli(capsys, str(month), "--since", "last week")
    assert code == 2 and "--since must be a day like 2025-03-01" in err


def test_the_html_page_draws_a_readiness_strip_per_tenant_without_script(month, capsys, tmp_path):
    page = tmp_path / "timeline.html"
    code, out, _ = history_cli(capsys, str(month), "--html", str(page))
    assert code == 0 and f"Timeline page: {page}" in out
    html = page.read_text(encoding="utf-8")
    assert html.count('<svg class="strip"') == 2
    beta = html[html.index("<h2>Beta"):]
    beta = beta[:beta.index("</svg>")]
    assert [part.split('"')[0] for part in beta.split('<rect class="')[1:]] == ["ready", "not_ready", "ready"]
    assert "(2 runs): rooms.typed" in beta  # nights 3 and 4, one bar
    assert "<script" not in html and "default-src 'none'" in html and "http://" not in html
    assert PASSWORD not in html and oct(page.stat().st_mode & 0o077) == "0o0"


@pytest.mark.parametrize("make, said", [
    (lambda p: p.write_text("hello", encoding="utf-8"), "is not a topdesk-preflight history"),
    (lambda p: None, "does not exist"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit(), "not a topdesk-preflight history"),
    (lambda p: sqlite3.connect(p).close(), "holds no fleet history yet"),
], ids=["a text file", "no file", "another database", "an empty database"])
def test_a_file_that_is_not_a_history_exits_2_with_one_line_and_is_not_created_or_changed(capsys, tmp_path, make, said):
    path = tmp_path / "h.sqlite"
    make(path)
    before = path.read_bytes() if path.exists() else None
    code, out, err = history_cli(capsys, str(path))
    assert code == 2 and out == "" and err.count("\n") == 1 and said in err
    assert (path.read_bytes() if path.exists() else None) == before


def test_an_unknown_tenant_exits_2_and_names_the_ones_there_are(month, capsys):
    code, _, err = history_cli(capsys, str(month), "--tenant", "Gamma")
    assert code == 2 and "No tenant named 'Gamma'" in err and "it has Acme, Beta." in err


def test_a_history_can_be_read_while_a_run_writes_it(month, capsys):
    from topdesk_preflight.fleet_history import History

    with History.open(month):  # a fleet run holds the writer's lock
        assert history_cli(capsys, str(month), "--tenant", "Acme")[0] == 0
