"""``python -m topdesk_preflight.sandbox``: serve a scenario on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TextIO

from topdesk_preflight.sandbox.profiles import PROFILES, parse_profile
from topdesk_preflight.sandbox.scenarios import SCENARIOS
from topdesk_preflight.sandbox.server import Sandbox
from topdesk_preflight.sandbox.tls import VARIANTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m topdesk_preflight.sandbox",
                                     description="Serve a simulated TOPdesk on 127.0.0.1.")
    parser.add_argument("--scenario", default="healthy", help="scenario name (see --list); default healthy")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; default: any free port")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throwaway CA")
    parser.add_argument("--tls-variant", choices=[v for v in VARIANTS if isinstance(v, str)],
                        help="serve a deliberately bad certificate (implies --tls)")
    parser.add_argument("--profile", default="saas",
                        help="which TOPdesk serves it (see --list); combine with +, e.g. pre_2024+french")
    parser.add_argument("--list", action="store_true",
                        help="list the scenarios (stdout, one a line) and the profiles (stderr) and exit")
    parser.add_argument("--list-profiles", action="store_true", help="list the profiles (stdout) and exit")
    args = parser.parse_args(argv)
    if args.list:
        # stdout keeps one scenario a line (scripts and tests read it); the profiles follow on stderr
        width = max(len(name) for name in SCENARIOS)
        for name, scenario in SCENARIOS.items():
            print(f"{name:<{width}}  {scenario.description}")
        sys.stdout.flush()
        print("\nProfiles (which TOPdesk serves the scenario: --profile NAME, combine with +):", file=sys.stderr)
        _print_profiles(sys.stderr)
        return 0
    if args.list_profiles:
        _print_profiles(sys.stdout)
        return 0
    if args.scenario not in SCENARIOS:
        print(f"unknown scenario {args.scenario!r}; try --list", file=sys.stderr)
        return 2
    try:
        profile = parse_profile(args.profile)
    except KeyError:
        print(f"unknown profile {args.profile!r}; try --list", file=sys.stderr)
        return 2
    tls = args.tls_variant or bool(args.tls)
    with Sandbox(scenario=args.scenario, tls=tls, port=args.port, profile=profile) as sb:
        print(f"TOPdesk sandbox, scenario {sb.scenario}: {SCENARIOS[sb.scenario].description}")
        print(f"Profile:  {sb.profile.name}")
        print(f"URL:      {sb.url}")
        print(f"CA file:  {sb.ca_file or '(plain HTTP)'}")
        print(f"Login:    {sb.login}")
        print(f"Password: {sb.password}   (a throwaway demo password)")
        print(f"Branch:   {sb.state.branch}    Email: {sb.state.email}")
        print("Serving until Ctrl-C.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


def _print_profiles(stream: TextIO) -> None:
    width = max(len(name) for name in PROFILES)
    for name, info in PROFILES.items():
        print(f"{name:<{width}}  {info.description}", file=stream)


if __name__ == "__main__":
    sys.exit(main())
