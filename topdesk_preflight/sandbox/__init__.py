"""The TOPdesk simulator ("sandbox"): a fake TOPdesk over real HTTP(S) on 127.0.0.1, for tests and demos.

It serves the part of TOPdesk's REST API that topdesk-preflight reads (``/tas/api/version``,
``/operators/current``, ``/persons``, ``/branches``, ``/locations``, ``/reservations``, …) with TOPdesk's
paths, parameters, paging (206/204), error bodies and quirks, from a small in-memory instance. Nothing is
mocked: your code opens real sockets and does a real TLS handshake against a throwaway CA.

Use it in your own tests (HCP support tooling included)::

    import requests
    from topdesk_preflight.sandbox import Sandbox, Fault

    def test_my_tool_reports_untyped_rooms():
        with Sandbox(scenario="rooms_untyped", password="s3cret-for-this-test") as sb:
            response = requests.get(f"{sb.url}/tas/api/locations", auth=(sb.login, sb.password),
                                    params={"$fields": "id,name,type"}, verify=sb.ca_file, timeout=5)
            assert {r["name"] for r in response.json() if r["type"] is None} == {"Aurora 2.08", "Nebula 5.01"}
            assert all(r.method in ("GET", "HEAD") for r in sb.requests)   # your tool stayed read-only

    # or drive topdesk-preflight itself:  run_preflight(sb.settings(), only=["rooms.typed"])

What you can turn:

* ``scenario=``: ``healthy`` and one scenario per thing that can be wrong (``SCENARIOS`` lists them, each
  with a one-line description; ``python -m topdesk_preflight.sandbox --list``).
* ``profile=``: which TOPdesk serves the scenario: ``saas`` (default, the newest spec) or one or more of
  ``PROFILES`` joined by ``+`` (``"pre_2024+french"``): older versions, a French server, other answer
  shapes, branch filters, Dutch name prefixes (profiles.py names the evidence for each).
* ``sb.state``: the instance itself, mutable between requests
  (``sb.state.service_operator.login_permission = False``, ``sb.state.locations.append(...)``).
* ``sb.inject(path_or_glob, Fault.status(503, times=1))``: flaky or broken endpoints: status codes, 429 with
  ``Retry-After``, latency, dropped connections, HTML or invalid JSON or wrongly shaped JSON, empty or slow
  bodies. ``sb.latency = 0.2`` slows every request.
* ``tls=True`` (default), ``False`` (plain HTTP), ``"expired"``, ``"wrong_host"``, ``"expiring"`` (10 days left).
* ``sb.requests``: every request received (method, path, query, a few headers, status, size, time); never
  the Authorization header. ``flagged`` marks anything other than GET/HEAD, which the sandbox answers 405.

From a shell: ``python -m topdesk_preflight.sandbox --scenario demo --profile pre_2024 --tls`` prints the URL, CA file, login
and (throwaway) password, and serves until Ctrl-C. Where TOPdesk's behaviour is unverified the code
follows a guess marked ``[I]`` with its source in docs/topdesk-api.md.
"""

from topdesk_preflight.sandbox.faults import Fault
from topdesk_preflight.sandbox.model import State
from topdesk_preflight.sandbox.profiles import PROFILES, SAAS, Profile, parse_profile
from topdesk_preflight.sandbox.scenarios import DEMO_PASSWORD, SCENARIOS, Scenario, build_scenario
from topdesk_preflight.sandbox.server import RequestLogEntry, Sandbox

__all__ = ["Sandbox", "Fault", "SCENARIOS", "Scenario", "build_scenario", "State", "RequestLogEntry",
           "DEMO_PASSWORD", "PROFILES", "Profile", "SAAS", "parse_profile"]
