"""``python -m topdesk_preflight.sandbox``: serve a scenario on 127.0.0.1 until Ctrl-C (or SIGTERM).

It prints what a run needs, down to a command line to paste into another shell,
and removes its temporary CA folder however it is stopped: Ctrl-C, or the
SIGTERM a test harness, ``kill`` or a container runtime sends.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from types import FrameType
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
    sandbox = Sandbox(scenario=args.scenario, tls=tls, port=args.port, profile=profile)
    previous = signal.signal(signal.SIGTERM, _stop)  # before the CA folder exists, so it is always removed
    try:
        sandbox.start()
        _describe(sandbox)
        threading.Event().wait()
    except OSError as exc:  # from start(): the port is taken, or not ours to listen on
        print(f"cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc}; choose another --port",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM through _stop
        print("stopped", flush=True)
    finally:
        sandbox.stop()  # the server, then the temporary CA folder
        signal.signal(signal.SIGTERM, previous)
    return 0


def _describe(sb: Sandbox) -> None:
    print(f"TOPdesk sandbox, scenario {sb.scenario}: {SCENARIOS[sb.scenario].description}")
    print(f"Profile:  {sb.profile.name}")
    print(f"URL:      {sb.url}")
    print(f"CA file:  {sb.ca_file or '(plain HTTP)'}")
    print(f"Login:    {sb.login}")
    print(f"Password: {sb.password}   (a throwaway demo password)")
    print(f"Branch:   {sb.state.branch}    Email: {sb.state.email}")
    print("Check it from another shell (paste the whole line):")
    print(f"  {run_command(sb)}")
    print("Serving until Ctrl-C.", flush=True)


def run_command(sb: Sandbox) -> str:
    """The command line that checks this sandbox: the password in its variable, never as a flag."""
    flags = ["--url", sb.url, "--username", sb.login]
    if sb.state.branch:
        flags += ["--branch", sb.state.branch]
    if sb.state.email:
        flags += ["--email", sb.state.email]
    if sb.ca_file:
        flags += ["--ca-bundle", sb.ca_file]
    return (f"TOPDESK_APP_PASSWORD={shlex.quote(sb.password)} "
            + shlex.join([sys.executable, "-m", "topdesk_preflight", *flags]))


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the wait as Ctrl-C does, so the ``with`` block stops the server and removes the CA folder."""
    raise KeyboardInterrupt


def _print_profiles(stream: TextIO) -> None:
    width = max(len(name) for name in PROFILES)
    for name, info in PROFILES.items():
        print(f"{name:<{width}}  {info.description}", file=stream)


if __name__ == "__main__":
    sys.exit(main())
