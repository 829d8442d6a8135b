"""``fleet --redact`` and ``redact = true`` (issue #16): no fleet output names a person, and the keys stay behind.

A partner sends a fleet's reports to Humly's support, outside the customers'
organisations. Real HTTPS sandboxes whose person and operator cards collide
(``email_duplicate``, ``demo``) are checked by the real command; then every file
the run left (each tenant's JSON and HTML, the HTML's embedded JSON, the fleet
summary, the metrics, the SQLite history's own bytes, the timeline page) and
what it printed are searched for every name, email and login of those cards,
except what redaction keeps (the HCP operator's email and login). Only the key
files may hold them. The same search without ``--redact`` finds the staff in each
kind of file, or it would prove nothing.
"""

from __future__ import annotations

import base64
import html
import json
import re
import sqlite3
import stat
from pathlib import Path
from typing import Iterator

import pytest
from fleet_fixtures import PASSWORD, Fleet, files_hold, fleet_environment

from topdesk_preflight import fleet_cli

KEY_SUFFIX = ".redaction-map.json"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


@pytest.fixture(scope="module")
def module_fleet() -> Iterator[Fleet]:
    with Fleet(["Acme", "Beta"], scenarios={"Acme": "email_duplicate", "Beta": "demo"}) as started:
        yield started


@pytest.fixture
def fleet(module_fleet: Fleet) -> Iterator[Fleet]:
    """The module's fleet, with no per-tenant lines left over from another test."""
    module_fleet.extra.clear()
    yield module_fleet
    module_fleet.extra.clear()


def staff(fleet: Fleet) -> list[str]:
    """Every person's and operator's name, email and login on the tenants, less what redaction keeps."""
    values: set[str] = set()
    for sb in fleet.sandboxes.values():
        state = sb.state
        kept = {v.casefold() for v in (state.login, state.email, state.service_operator.email,
                                       state.service_operator.login_name) if v}
        for card in (*state.persons, *state.operators):
            spelled = (card.dynamic_name, card.email, card.login_name, f"{card.first_name} {card.sur_name}".strip())
            values.update(v for v in spelled if v and v.casefold() not in kept)
    return sorted(values, key=len, reverse=True)


def readable(path: Path) -> dict[str, str]:
    """A file as its readers see it: the text (HTML unescaped), and the JSON an HTML report carries inside."""
    text = path.read_bytes().decode("utf-8", errors="replace")  # SQLite pages too: their text is UTF-8
    if path.suffix != ".html":
        return {path.name: text}
    forms = {path.name: html.unescape(text)}
    for number, blob in enumerate(re.findall(r"base64,([A-Za-z0-9+/=]+)", text)):
        forms[f"{path.name}, embedded #{number}"] = base64.b64decode(blob).decode("utf-8", errors="replace")
    return forms


def named(texts: dict[str, str], values: list[str]) -> list[tuple[str, str]]:
    """``(where, value)`` for each value found at a word start (case and line breaks ignored)."""
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v.casefold()) for v in values) + r")(?!\w)")
    found = []
    for where, text in texts.items():
        found += [(where, match.group(0)) for match in pattern.finditer(" ".join(text.split()).casefold())]
    return found


def outputs(folder: Path, *printed: str) -> dict[str, str]:
    """Every file under ``folder`` but the key files (the one place real values belong), and what was printed."""
    texts = {f"printed #{number}": text for number, text in enumerate(printed)}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.endswith(KEY_SUFFIX) and path.name != "targets.toml":
            texts.update({f"{path.relative_to(folder)}: {k}": v for k, v in readable(path).items()})
    return texts


def night(fleet: Fleet, folder: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = fleet_cli.main([str(fleet.targets(folder)), "--output-dir", str(folder / "out"), "--history",
                           str(folder / "history.sqlite"), "--metrics", str(folder / "fleet.prom"), *args])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err, err  # both tenants have colliding cards: not ready
    return code, out, err


def timeline(folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert fleet_cli.main(["history", str(folder / "history.sqlite"), "--html", str(folder / "timeline.html")]) == 0
    return capsys.readouterr().out


def _keys(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"*{KEY_SUFFIX}"))


def test_fleet_redact_leaves_no_persons_name_in_any_output_and_each_key_beside_its_report(fleet, tmp_path, capsys):
    _, out, err = night(fleet, tmp_path, capsys, "--redact")
    printed = timeline(tmp_path, capsys)
    values = staff(fleet)
    assert len(values) > 10, "the search must have something to look for"
    assert named(outputs(tmp_path, out, err, printed), values) == []

    summary_text = (tmp_path / "out" / "fleet-summary.json").read_text(encoding="utf-8")
    summary = json.loads(summary_text)
    assert all(row["redacted"] for row in summary["tenants"]) and "person-" in summary_text  # tokens, not gaps
    for row in summary["tenants"]:
        json_report = tmp_path / "out" / row["reports"]["json"]
        [key] = _keys(json_report.parent)
        assert key.name == json_report.name.removesuffix(".json") + KEY_SUFFIX
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert json.loads(json_report.read_text(encoding="utf-8"))["redaction"]["map_file"] == key.name
        assert named(readable(key), values), "the key holds the real values the reports do not"
    for page in ("fleet-summary.json", "fleet-summary.html"):
        assert KEY_SUFFIX not in (tmp_path / "out" / page).read_text(encoding="utf-8"), "no key in a summary"
    page = (tmp_path / "out" / "fleet-summary.html").read_text(encoding="utf-8")
    assert page.count(">redacted</span>") == 2  # each row says its reports are redacted
    assert "Redacted (every tenant)" in out and "PRIVATE, keep it, never attach it" in out
    assert files_hold(tmp_path, PASSWORD) == [] and PASSWORD not in out + err + printed


def test_worker_processes_redact_as_threads_do(fleet, tmp_path, capsys):
    _, out, err = night(fleet, tmp_path, capsys, "--redact", "--workers", "2")
    assert named(outputs(tmp_path, out, err), staff(fleet)) == []
    assert len(_keys(tmp_path / "out")) == 2 and files_hold(tmp_path, PASSWORD) == []


def test_without_redact_the_same_search_finds_the_staff_in_every_kind_of_output(fleet, tmp_path, capsys):
    """The control: each kind of file the redacted run keeps clean names the staff when not redacted."""
    _, out, err = night(fleet, tmp_path, capsys)
    texts = outputs(tmp_path, out, err)
    where = {hit[0].split(": ")[0] for hit in named(texts, staff(fleet))}
    kinds = {"history.sqlite", "out/fleet-summary.json", "out/fleet-summary.html"}
    assert kinds <= where, where
    for folder in ("acme", "beta"):
        assert {path.rsplit(".", 1)[-1] for path in where if path.startswith(f"out/{folder}/")} == {"json", "html"}
    assert _keys(tmp_path) == [] and "Redacted" not in out


def test_redact_true_in_the_targets_file_redacts_that_tenant_only(fleet, tmp_path, capsys):
    fleet.extra["Acme"] = "redact = true\n"
    night(fleet, tmp_path, capsys)
    values = staff(fleet)
    summary = json.loads((tmp_path / "out" / "fleet-summary.json").read_text(encoding="utf-8"))
    rows = {row["name"]: row for row in summary["tenants"]}
    assert rows["Acme"]["redacted"] is True and rows["Beta"]["redacted"] is False
    assert named({"Acme's row": json.dumps(rows["Acme"], ensure_ascii=False)}, values) == []
    assert named({"Beta's row": json.dumps(rows["Beta"], ensure_ascii=False)}, values)
    assert named(outputs(tmp_path / "out" / "acme"), values) == [] and len(_keys(tmp_path / "out" / "acme")) == 1
    assert named(outputs(tmp_path / "out" / "beta"), values) and _keys(tmp_path / "out" / "beta") == []
    with sqlite3.connect(tmp_path / "history.sqlite") as db:
        texts = dict(db.execute("SELECT slug, group_concat(text, ' | ') FROM results JOIN checks ON result_id = "
                                "results.id JOIN texts ON texts.id = summary_id GROUP BY slug").fetchall())
    assert named({"acme": texts["acme"]}, values) == [] and named({"beta": texts["beta"]}, values)


def test_a_tenants_own_redaction_map_keeps_its_tokens_from_night_to_night(fleet, tmp_path, capsys):
    key = tmp_path / "keys" / f"acme{KEY_SUFFIX}"
    fleet.extra["Acme"] = f'redact = true\nredaction_map = "keys/acme{KEY_SUFFIX}"\n'
    summaries = []
    for _ in range(2):
        night(fleet, tmp_path, capsys)
        [acme] = [row for row in json.loads((tmp_path / "out" / "fleet-summary.json").read_text(encoding="utf-8"))[
            "tenants"] if row["name"] == "Acme"]
        summaries.append(acme["root_causes"])
    assert summaries[0] == summaries[1] and "person-" in json.dumps(summaries[0])
    document = json.loads(key.read_text(encoding="utf-8"))
    assert len(document["reports"]) == 2 and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert _keys(tmp_path / "out") == [], "the tenant's own key file, not one beside each report"


@pytest.mark.parametrize("defaults, acme, beta, said", [
    ("", f'redaction_map = "a{KEY_SUFFIX}"\n', "", "sets redaction_map, the key file of a redacted run"),
    ("redact = true\n", f'redaction_map = "k{KEY_SUFFIX}"\n', f'redaction_map = "k{KEY_SUFFIX}"\n',
     "share the redaction_map"),
    (f'redact = true\nredaction_map = "k{KEY_SUFFIX}"\n', "", "", "1 unknown or per-tenant-only default"),
    ("", 'redact = "yes"\n', "", "redact of tenant 'Acme' in"),
    ("redact = true\n", 'redaction_map = "not-a-key.json"\n', "", "is not JSON"),
    ("redact = true\n", 'redaction_map = "folder"\n', "", "cannot be written"),
])
def test_wrong_redaction_settings_are_one_line_and_exit_2_before_any_request(fleet, tmp_path, capsys, defaults,
                                                                            acme, beta, said):
    (tmp_path / "not-a-key.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    fleet.extra.update(Acme=acme, Beta=beta)
    targets = fleet.targets(tmp_path)
    targets.write_text(targets.read_text(encoding="utf-8").replace("[defaults]\n", "[defaults]\n" + defaults, 1),
                       encoding="utf-8")
    before = sum(len(sb.requests) for sb in fleet.sandboxes.values())
    code = fleet_cli.main([str(targets), "--output-dir", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and said in err and "Traceback" not in err, err
    assert sum(len(sb.requests) for sb in fleet.sandboxes.values()) == before


def test_the_search_finds_a_name_wherever_a_fleet_output_hides_it(tmp_path):
    """The search itself must be able to fail, or the tests above prove nothing."""
    values = ["Hanna Cederqvist", "anna.admin@acme.example"]
    for text in ("… hanna cederqvist …", "Hanna\n   Cederqvist", "<td>ANNA.ADMIN@acme.example</td>"):
        assert named({"probe": text}, values)
    assert named({"probe": "person card 'person-1' (person-1@acme.example)"}, values) == []
    page = tmp_path / "page.html"
    hidden = base64.b64encode(json.dumps({"name": "Hanna Cederqvist"}).encode()).decode()
    page.write_text(f'<a href="data:application/json;base64,{hidden}">Hanna&#32;Cederqvist</a>', encoding="utf-8")
    assert {where for where, _ in named(readable(page), values)} == {"page.html", "page.html, embedded #0"}
