"""Reports built by hand, so the renderer tests need neither the runner nor the sandbox.

Each builder returns a ``Report`` shaped like a real run: identity fields set,
durations, the requests a check made, the public settings (never a password).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from topdesk_preflight.guide import ROOM_TYPE_NAMES
from topdesk_preflight.model import CheckResult, Report, RequestRecord, Status, Target, evolve

#: A password that was never given to any renderer; it must not appear in any output.
FAKE_PASSWORD = "pw-7Qz!not-in-any-report-9xK"
GENERATED_AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
LONG_NAME = "Aurora " + "x" * 9_993  # 10,000 characters
HOSTILE_ROOM = "<script>alert(1)</script>"
ESCAPE_SEQUENCE = "\x1b[2J\x1b[31m"  # clear screen, red: must never reach a terminal or page
BIDI_OVERRIDE = "\u202e"


def public_settings(**changes: Any) -> dict[str, Any]:
    """What ``Settings.public()`` gives: whether a password was given, never the password."""
    settings = {
        "url": "https://acme.topdesk.net", "username": "hcp-svc", "branch": "HQ Stockholm",
        "email": "hcp@acme.com", "rooms": ["Aurora 2.08"], "app_password_expires": "2027-03-31",
        "expiry_warning_days": 30, "password_given": True, "ca_bundle": None, "insecure": False,
        "timeout": 10.0, "connect_timeout": 5.0, "deadline": 60.0, "concurrency": 8,
        "only": [], "skip": [], "fail_on": "fail",
    }
    settings.update(changes)
    return settings


def identify(result: CheckResult, check_id: str, title: str, guide: str, *,
             depends_on: tuple[str, ...] = (), duration_s: float = 0.05,
             requests: tuple[RequestRecord, ...] = ()) -> CheckResult:
    """Add what the runner adds to a check function's result."""
    return evolve(result, id=check_id, title=title, guide_section=guide, depends_on=depends_on,
                  duration_s=duration_s, requests=requests)


def get(path: str, status: int | None = 200, *, error: str | None = None) -> RequestRecord:
    return RequestRecord("GET", path, status, duration_s=0.031, bytes=512 if status else 0, error=error)


def _target(**changes: Any) -> Target:
    values: dict[str, Any] = {"url": "https://acme.topdesk.net", "username": "hcp-svc",
                              "email": "hcp@acme.com", "branch": "HQ Stockholm",
                              "api_version": "3.7.2", "product_version": "2024.3"}
    values.update(changes)
    return Target(**values)


def _passes() -> list[CheckResult]:
    return [
        identify(CheckResult.passed("acme.topdesk.net resolves to 192.0.2.10.",
                                    evidence={"addresses": ["192.0.2.10"]}),
                 "network.dns", "The URL's host resolves", "HCP cannot connect", duration_s=0.012),
        identify(CheckResult.passed("The TOPdesk API answers at /tas/api/version (3.7.2).",
                                    evidence={"topdesk_version": "3.7.2"}),
                 "api.reachable", "The URL is the TOPdesk API", "HCP cannot connect (URL)",
                 depends_on=("network.dns",), requests=(get("/tas/api/version"),)),
        identify(CheckResult.passed("hcp-svc logged in with the application password.",
                                    evidence={"operator_email": "hcp@acme.com"}),
                 "auth.credentials", "Login and application password are accepted",
                 "HCP cannot connect; app password lost or expired", depends_on=("api.reachable",),
                 requests=(get("/tas/api/operators/current"),)),
    ]


def all_pass_report() -> Report:
    """Everything passed: ready."""
    results = _passes() + [
        identify(CheckResult.passed("Operator hcp-svc has permission group HCP integration.",
                                    evidence={"permission_groups": ["HCP integration"]}),
                 "permissions.group", "A permission group is linked",
                 "Registering / assigning a permission group", depends_on=("auth.credentials",)),
    ]
    return Report("topdesk-preflight", "1.0.0", GENERATED_AT, _target(), results, duration_s=1.234,
                  settings=public_settings())


ROOMS_UNTYPED = [
    {"id": "a1b2", "name": "Aurora 2.08", "type": None, "branch": "HQ Stockholm"},
    {"id": "c3d4", "name": "Borealis 3.01", "type": None, "branch": "HQ Stockholm"},
]


def mixed_report() -> Report:
    """Catalogue order deliberately puts passes before the failure, to prove the HTML reorders."""
    results = _passes() + [
        identify(CheckResult.warned("The application password expires in 12 days (2025-03-16).",
                                    remediation=["Create a new application password for hcp-svc before "
                                                 "2025-03-16 and enter it in HCP."],
                                    evidence={"expires": "2025-03-16", "days_left": 12}),
                 "auth.app_password_expiry", "The application password is not about to expire",
                 "Creating the application password"),
        identify(CheckResult.failed("2 of 5 rooms in HQ Stockholm have no Room or Desk type.",
                                    details=["Aurora 2.08", "Borealis 3.01"],
                                    remediation=["TOPdesk administrator: Open the room Aurora 2.08 in branch "
                                                 "HQ Stockholm, set Type to Room or Desk, save.",
                                                 "Open the room Borealis 3.01 in branch HQ Stockholm, set "
                                                 "Type to Room or Desk, save."],
                                    evidence={"rooms": ROOMS_UNTYPED, "branch": "HQ Stockholm",
                                              "typed": 3, "total": 5}),
                 "rooms.typed", "Every room in the branch is typed Room or Desk",
                 "Rooms do not appear in HCP import", depends_on=("branch.exists",), duration_s=0.21,
                 requests=(get("/tas/api/locations?query=branch.id==x&pageSize=100"),)),
        identify(CheckResult.errored("TOPdesk answered 503 Service Unavailable three times.",
                                     remediation=["Run the preflight again in a few minutes."],
                                     evidence={"status": 503}),
                 "permissions.reservations", "Reservations are readable",
                 "Registering a permission group", depends_on=("auth.credentials",),
                 requests=(get("/tas/api/reservations", 503), get("/tas/api/reservations", None,
                                                                  error="read timed out"))),
        identify(CheckResult.skipped("skipped: rooms.typed fail", evidence={"blocked_by": ["rooms.typed"]}),
                 "rooms.reservable", "Typed rooms are reservable", "Rooms do not appear in HCP import",
                 depends_on=("rooms.typed",)),
        evolve(identify(CheckResult.failed("Another person card uses hcp@acme.com: Anna Berg.",
                                           remediation=["TOPdesk administrator: Open Persons, find Anna Berg, "
                                                        "change the email, save."]),
                        "operator.email_unique", "No other operator or person has that email",
                        "Creating an operator"),
               silenced="known duplicate, HR fixes it in April (until 2025-04-30)"),
        identify(CheckResult.passed("Operator hcp-svc has 2 permission groups.",
                                    evidence={"permission_groups": ["HCP integration", "Reservations"]}),
                 "permissions.group", "A permission group is linked",
                 "Registering / assigning a permission group"),
    ]
    return Report("topdesk-preflight", "1.0.0", GENERATED_AT, _target(), results, duration_s=2.5,
                  warnings=["TLS certificate verification was disabled with --insecure: the findings "
                            "about this connection cannot prove that the server is the real TOPdesk."],
                  settings=public_settings(insecure=True))


def hostile_report() -> Report:
    """What a hostile or broken TOPdesk could put in front of the renderers."""
    hostile_rooms = [
        {"name": HOSTILE_ROOM, "type": "<b>bold</b>"},
        {"name": f"Red{ESCAPE_SEQUENCE}room\x00\x07", "type": None},
        {"name": LONG_NAME, "type": "Room"},
        {"name": f"evil{BIDI_OVERRIDE}txt.exe", "type": '"><img src=https://evil.example/x.png>'},
    ]
    results = [
        identify(CheckResult.failed(f"Room {HOSTILE_ROOM} has no type; also {LONG_NAME}.",
                                    details=[HOSTILE_ROOM, LONG_NAME, f"bell\x07{ESCAPE_SEQUENCE}"],
                                    remediation=[f"Open the room {HOSTILE_ROOM} and set Type to Room.",
                                                 "Check <a href=\"https://evil.example/\">this</a>."],
                                    evidence={"rooms": hostile_rooms, "note": f"nul\x00{ESCAPE_SEQUENCE}",
                                              "css": "</style><script>alert(2)</script>"}),
                 "rooms.typed", f"Every room is typed {HOSTILE_ROOM}", "Rooms do not appear in HCP import",
                 requests=(get("/tas/api/locations?name=<script>"),)),
        identify(CheckResult.passed(f"Fine{ESCAPE_SEQUENCE}."), "network.dns", "The URL's host resolves",
                 "HCP cannot connect"),
    ]
    target = _target(branch=HOSTILE_ROOM, api_version=f"3.7{ESCAPE_SEQUENCE}",
                     product_version=LONG_NAME)
    return Report("topdesk-preflight", "1.0.0", GENERATED_AT, target, results, duration_s=0.5,
                  warnings=[f"warning {HOSTILE_ROOM}"], settings=public_settings(branch=HOSTILE_ROOM))


def all_reports() -> dict[str, Report]:
    return {"all_pass": all_pass_report(), "mixed": mixed_report(), "hostile": hostile_report()}


STATUSES = tuple(status.value for status in Status)


# --- issue 11: rooms per row, readiness unknown, --compare, vantage -------------------------------

def room(name: str, number: str, *, type_: str | None = "Room", reservable: bool = True,
         branch: str | None = "HQ Stockholm", problem: str | None = None) -> dict[str, Any]:
    """A row as checks/_room_facts.Room.row records it."""
    return {"name": name, "roomNumber": number, "branch": branch, "type": type_, "reservable": reservable,
            "hcp_imports": type_ in ROOM_TYPE_NAMES, "problem": problem}


def rooms_report() -> Report:
    """The rooms checks as a real run records them: typed rooms in rooms.present, the rest in rooms.typed."""
    typed = [room("Borealis 2.10", "2.10", reservable=False), room("Cirrus 4.02", "4.02"),
             room("Hot desk 3.01", "3.01", type_="Desk")]
    offenders = [room("Aurora 2.08", "2.08", type_=None, problem="no type"),
                 room("Storage 0.01", "0.01", type_="Storage", reservable=False,
                      problem="type Storage is not imported by HCP")]
    elsewhere = {**room("Nebula 5.01", "5.01", branch="HQ Göteborg", problem="in branch HQ Göteborg, not HQ Stockholm"),
                 "expected": "Nebula 5.01"}
    missing = {"expected": "Zenith 9.99", "name": "Zenith 9.99", "roomNumber": None, "branch": None, "type": None,
               "reservable": None, "hcp_imports": False, "problem": "not found"}
    results = _passes() + [
        identify(CheckResult.passed("3 rooms of type Room or Desk in branch 'HQ Stockholm'",
                                    evidence={"rooms": typed, "total": 3, "branch": "HQ Stockholm",
                                              "locations_in_branch": "5"}),
                 "rooms.present", "The branch has rooms of type Room or Desk", "Adding Rooms to the Branch",
                 depends_on=("auth.credentials",)),
        identify(CheckResult.failed("1 room in branch 'HQ Stockholm' has no type: Aurora 2.08",
                                    remediation=["TOPdesk administrator: Open the room Aurora 2.08 in branch "
                                                 "HQ Stockholm, set Type to Room or Desk, save."],
                                    evidence={"rooms": offenders, "total": 2, "branch": "HQ Stockholm",
                                              "locations_in_branch": "5"}),
                 "rooms.typed", "Every room in the branch has type Room or Desk",
                 "Rooms do not appear in HCP import", depends_on=("auth.credentials",)),
        identify(CheckResult.warned("1 of 3 rooms is not reservable: Borealis 2.10",
                                    remediation=["TOPdesk administrator: Open the room card Borealis 2.10, expand "
                                                 "Reservation management, check Reservable, save."],
                                    evidence={"rooms": [{**typed[0], "problem": "not reservable"}], "total": 1,
                                              "branch": "HQ Stockholm", "typed_total": 3}),
                 "rooms.reservable", "The typed rooms are reservable", "Rooms do not appear in HCP import",
                 depends_on=("rooms.present",)),
        identify(CheckResult.failed("2 of 3 expected rooms are not in branch 'HQ Stockholm'",
                                    remediation=["TOPdesk administrator: Open the room Nebula 5.01 (now in branch "
                                                 "HQ Göteborg) and set its branch to HQ Stockholm, save.",
                                                 "HCP administrator: Or check the spelling of the room names."],
                                    evidence={"rooms": [{**typed[1], "expected": "Cirrus 4.02"}, elsewhere, missing],
                                              "total": 3, "branch": "HQ Stockholm"}),
                 "rooms.branch_mismatch", "The expected rooms are in the configured branch",
                 "Rooms do not appear in HCP import", depends_on=("auth.credentials",)),
    ]
    return Report("topdesk-preflight", "1.0.0", GENERATED_AT, _target(), results, duration_s=0.8,
                  settings=public_settings())


def unknown_report() -> Report:
    """Nothing failed, one check could not be assessed, and one skipped behind it: readiness unknown."""
    results = _passes() + [
        identify(CheckResult.errored("TOPdesk answered 503 Service Unavailable three times.",
                                     remediation=["Run the preflight again in a few minutes."]),
                 "permissions.reservations", "Reservations are readable", "Registering a permission group",
                 depends_on=("auth.credentials",), requests=(get("/tas/api/reservations", 503),)),
        identify(CheckResult.skipped("skipped: permissions.reservations error",
                                     evidence={"blocked_by": ["permissions.reservations"]}),
                 "rooms.reservable", "Typed rooms are reservable", "Rooms do not appear in HCP import",
                 depends_on=("permissions.reservations",)),
    ]
    return Report("topdesk-preflight", "1.0.0", GENERATED_AT, _target(), results, duration_s=0.4,
                  settings=public_settings())


PREVIOUS_GENERATED_AT = "2025-03-01T08:00:00Z"


def compared_report() -> Report:
    """``mixed_report`` after ``--compare``: two checks fixed since, one newly broken, one still broken."""
    changes = {"network.dns": "unchanged", "api.reachable": "unchanged", "auth.credentials": "fixed",
               "auth.app_password_expiry": "unchanged", "rooms.typed": "still_broken",
               "permissions.reservations": "newly_broken", "rooms.reservable": "unchanged",
               "operator.email_unique": "still_broken", "permissions.group": "fixed"}
    report = mixed_report()
    results = [evolve(r, change=changes[r.id]) for r in report.results]
    return evolve(report, results=results, compared_with={
        "path": "old/topdesk-preflight-acme.json", "generated_at": PREVIOUS_GENERATED_AT,
        "counts": {"pass": 2, "warn": 1, "fail": 4, "error": 0, "skipped": 1},
        "statuses": {"auth.credentials": "fail"}, "not_run_now": []})


def network_fail_report() -> Report:
    """TCP to TOPdesk failed from a laptop on a private network behind a proxy."""
    results = [
        _passes()[0],
        identify(CheckResult.failed("No TCP connection to acme.topdesk.net:443 within 5 s.",
                                    remediation=["Network administrator: Allow outbound TCP 443 from this machine "
                                                 "to acme.topdesk.net."]),
                 "network.tcp", "A TCP connection to TOPdesk opens", "HCP cannot connect",
                 depends_on=("network.dns",)),
    ]
    vantage = {"machine": "support-laptop-7", "target_host": "acme.topdesk.net",
               "resolved_addresses": [{"address": "10.20.30.40", "private": True, "loopback": False},
                                      {"address": "192.0.2.10", "private": False, "loopback": False}],
               "private_network": False, "proxy": "http://proxy.corp.example:3128",
               "statement": "The network checks describe the path from this machine to TOPdesk, not the HCP "
                            "server's. When they fail, or HCP still cannot connect, run topdesk-preflight on "
                            "the HCP server itself."}
    return Report("topdesk-preflight", "1.0.0", GENERATED_AT, _target(), results, duration_s=5.1,
                  settings=public_settings(), vantage=vantage)


def issue_11_reports() -> dict[str, Report]:
    return {"rooms": rooms_report(), "unknown": unknown_report(), "compared": compared_report(),
            "network_fail": network_fail_report()}
