"""Profiles: how a real TOPdesk instance differs from the newest SaaS spec, combinable with every scenario.

A scenario says *what* is in the instance (a missing branch, an untyped room); a profile says *which TOPdesk*
serves it: its version, its locale, its answer shapes, the operator's branch filters. ``Sandbox(scenario=…,
profile="pre_2024+french")`` serves any scenario under any profile; ``saas`` (no flag set) is the sandbox as it
always was, byte for byte. Several profiles combine with ``+``.

Each profile rests on public evidence collected in an audit of real instances (row ids ``R…`` requests,
``F…`` fields, ``X…`` cross-cutting, ``P…`` probes, ``§…`` its sections); ``PROFILES`` names them, and the
code that consults a flag repeats the row id. Where the evidence leaves a detail open the code marks its
guess ``[I]``. The public bodies the profiles copy are listed in tests/sandbox/README.md.

Most flags change answers (``answers.py``, ``endpoints.py``); two also change the instance's data, which
:func:`prepare` does once per built state (``branch_filter``, ``dutch_prefixes``).
"""

from __future__ import annotations

from typing import Iterable

from attrs import fields, frozen

from topdesk_preflight.sandbox.model import BranchFilter, State, stable_id


@frozen
class ProfileInfo:
    """One named profile: the line ``--list`` shows and the evidence it rests on."""

    name: str
    description: str
    evidence: str


PROFILES: dict[str, ProfileInfo] = {p.name: p for p in (
    ProfileInfo("saas", "Today's SaaS as the newest spec (supporting files 2.7.11) describes it.",
                "the official specs; the sandbox's behaviour before profiles existed"),
    ProfileInfo("pre_2024", "Before April 2024: operator records without linkedPerson, apiAccount, accountType.",
                "R3, F6, P9: demisto on-prem record (2020), rapid7 fixture; docs.topdesk.com 'The road to One "
                "TOPdesk user' (linking person and operator cards available from April 2024)"),
    ProfileInfo("spec_dto", "Records carry only their spec DTO's fields: no archived key on branches, locations, "
                "operators and persons v1.",
                "§2.1, F8, F13, P3: ExtendedBranchDto/ExtendedLocationDto/OperatorDto 2.7.11 have status and no "
                "archived; the demisto and rapid7 records have no archived key"),
    ProfileInfo("strict_fields", "A name outside the endpoint's DTO in fields/$fields is a 400.",
                "R3, R13, §2.2, P4, P6, P7: rapid7 models fields=non_existing_field as 400; Tools4ever drops "
                "gender from v2 fields; body as SeeITBV's recorded 400 (X1)"),
    ProfileInfo("legacy_location_paging", "/locations pages with start/page_size, 206 for a partial page, "
                "pageSize ignored.", "R7, §2.5, P8: techspaceco/topdesk-go rest.go (2019), UGDSB Get-TopdeskLocations"),
    ProfileInfo("no_fiql", "query is ignored (Supporting Files API older than 1.38.0).",
                "R4, R7, §2.6, P14: demisto README (FIQL from SupportingFilesAPI 1.38.0), TopDeskClient (2019) "
                "filtering with nameFragment"),
    ProfileInfo("no_location_types", "/locations/types does not exist (404).",
                "R10, P11: no evidence of when /locations/types appeared"),
    ProfileInfo("no_persons_v2", "Persons v2 is not served: 406.",
                "R12, R13, P13: spec 2.7.11 persons 406 'the version of your TOPdesk can not make use of this "
                "version of the API yet … KI 17703'"),
    ProfileInfo("french", "A French server: 401 is Tomcat's French HTML page unless Accept-Language asks for en.",
                "R1a, §2.4, P2: Tomcat ErrorReportValve picks the locale per request; LocalStrings_fr.properties "
                "http.401.desc"),
    ProfileInfo("spec_401_shapes", "401 and 403 bodies in each endpoint's documented shape ([{\"errors\":…}], "
                "{\"errors\":…}, no body).", "R1a, §2.3, P15: the spec 2.7.11 / reservations 2.0.0 401 and 403 schemas"),
    ProfileInfo("text_401", "401 answers are plain text.", "R1a: TOPdeskPS#114 'No valid authentication token provided'"),
    ProfileInfo("html_401", "401 answers are Tomcat's English HTML page.",
                "R1a: pipedream#19120 (TOPdesk SaaS, 2025), Tomcat's http.401.desc"),
    ProfileInfo("reservations_206_no_body", "/reservations answers 206 without a body when there are more results.",
                "R18, §2.7, P1: reservations 2.0.0 documents 206 with no content"),
    ProfileInfo("case_sensitive_eq", "FIQL == (and !=, =in=, =out=) compares text case-sensitively.",
                "F9, §5: no evidence either way; the opposite of the sandbox's guess"),
    ProfileInfo("branch_filter", "The service operator has a branch filter that leaves out the configured "
                "branch: lists show [] for it, not 403.",
                "§3.4, F12, F14: spec 'Branch filters apply' on branches, locations, persons, operators; "
                "GET /operators/id/{id}/filters/branch (2.7.11); Tools4ever Operators README"),
    ProfileInfo("dutch_prefixes", "Dutch name prefixes: 'van' in prefixes on the operator card, in surName on "
                "its person card.", "F5, §3.5: OperatorDto and PersonV2Dto prefixes; demisto records 'prefixes'"),
)}


@frozen
class Profile:
    """The flags of one instance; every flag False is ``saas``. Build one with :func:`parse_profile`."""

    pre_2024: bool = False
    spec_dto: bool = False
    strict_fields: bool = False
    legacy_location_paging: bool = False
    no_fiql: bool = False
    no_location_types: bool = False
    no_persons_v2: bool = False
    french: bool = False
    spec_401_shapes: bool = False
    text_401: bool = False
    html_401: bool = False
    reservations_206_no_body: bool = False
    case_sensitive_eq: bool = False
    branch_filter: bool = False
    dutch_prefixes: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The flags set, in ``PROFILES`` order."""
        return tuple(f.name for f in fields(Profile) if getattr(self, f.name))

    @property
    def name(self) -> str:
        return "+".join(self.names) or "saas"

    def __str__(self) -> str:
        return self.name


SAAS = Profile()


def parse_profile(profile: str | Profile | Iterable[str] | None) -> Profile:
    """``"pre_2024+french"`` (or ``,``-separated, or a list of names) -> Profile; ``saas`` or None -> SAAS."""
    if profile is None:
        return SAAS
    if isinstance(profile, Profile):
        return profile
    raw = profile.replace(",", "+").split("+") if isinstance(profile, str) else list(profile)
    names = [n.strip() for n in raw if n.strip() and n.strip() != "saas"]
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        raise KeyError(f"unknown sandbox profile {', '.join(map(repr, unknown))}; known: {', '.join(PROFILES)}")
    return Profile(**{n: True for n in names})


def prepare(profile: Profile, state: State) -> None:
    """Change the data of a freshly built state the way the profile's instance holds it."""
    operator = next((o for o in state.operators if o.login_name == "hcp-svc"), None)
    if operator is None:
        return
    if profile.branch_filter:
        # §3.4: a filter on one other branch, so the configured branch is invisible to the operator.
        # FilterDto is {id, name, applicable}; what "applicable" holds is not documented [I].
        other = next((b for b in state.branches if not b.archived and b.name != state.branch), None)
        if other is not None:
            operator.branch_filters = [BranchFilter(stable_id("filter", other.name), other.name, (other,))]
    if profile.dutch_prefixes:
        # F5: the same tussenvoegsel held in prefixes on the operator card and in surName on the person card.
        operator.prefixes = "van"
        person = operator.linked_person
        if person is not None:
            person.sur_name = f"van {person.sur_name}"
