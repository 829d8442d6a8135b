"""``--demo``: a whole run against the built-in TOPdesk simulator, to see the tool before a customer does.

The simulator (topdesk_preflight.sandbox) serves a realistic not-ready instance
over real HTTPS on 127.0.0.1 with a throwaway CA; the run is the ordinary one
(cli_execute.execute), so what the demo shows is what a customer's run shows.
It needs setup.cfg's ``demo`` extra (trustme); without it the answer is the
install command, exit 2.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Callable, Iterator, Mapping, TextIO

import attrs

from topdesk_preflight.cli_execute import execute
from topdesk_preflight.cli_parser import DEMO_DEFAULT_SCENARIO
from topdesk_preflight.cli_paths import check_output_paths
from topdesk_preflight.cli_streams import ProgressStream
from topdesk_preflight.exit_codes import ExitCode

#: What only ``--demo`` needs: setup.cfg's ``demo`` extra (trustme, and cryptography under it).
DEMO_EXTRA_PACKAGES = frozenset({"trustme", "cryptography"})

#: What the simulator gives a demo run, whatever a flag, a TOPDESK_* variable or the config file says.
SIMULATOR_SETTINGS = ("url", "username", "branch", "email", "ca_bundle", "app_password_file")
#: Where a demo's settings are checked before the simulator listens (its real address is known only then).
_NOT_YET_LISTENING = "https://127.0.0.1"
MAX_PORT = 65_535


def run_demo(scenario: str, flags: dict[str, Any], extras: dict[str, Any] | None = None, *,
             profile: str | None = None, port: int | None = None,
             on_settings: Callable[[Any], None] | None = None) -> int:
    """Start the simulator with ``scenario`` (and ``profile``, on ``port``), run the catalogue against it, stop it.

    Every setting but the simulator's own (:data:`SIMULATOR_SETTINGS`) is read as for
    a real run, flags, then ``TOPDESK_*`` variables, then the config file, so the demo
    shows what those settings do (``TOPDESK_QUIET``, ``TOPDESK_FAIL_ON``, ...). Every
    setting is checked before the simulator starts; ``on_settings`` sees them then.
    """
    from topdesk_preflight.settings import SettingsError

    with demo_extra_needed():
        from topdesk_preflight.sandbox import SCENARIOS, Sandbox
        from topdesk_preflight.sandbox.profiles import parse_profile
    if scenario not in SCENARIOS:
        raise SettingsError(f"unknown demo scenario {scenario!r}; choose one of: "
                            f"{', '.join(sorted(SCENARIOS))}")
    try:
        chosen = parse_profile(profile or "saas")
    except (KeyError, ValueError) as exc:
        raise SettingsError(f"--profile: {exc.args[0] if exc.args else exc}") from None
    if port is not None and not 1 <= port <= MAX_PORT:
        raise SettingsError(f"--demo-port must be a port number from 1 to {MAX_PORT}, not {port}.")
    sandbox = Sandbox(scenario=scenario, tls=True, profile=chosen, port=port or 0)  # not listening yet
    settings = demo_settings(sandbox, scenario, flags)
    if on_settings is not None:
        on_settings(settings)
    check_output_paths(settings.output_dir, json_path=settings.json_path, html_path=settings.html_path,
                       no_html=settings.no_html, junit_path=(extras or {}).get("junit_path"))
    try:
        with demo_extra_needed():
            sandbox.start()  # TLS imports trustme only now
    except OSError as exc:
        raise SettingsError(f"--demo-port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}): "
                            "choose another port, or leave --demo-port out for any free one.") from None
    with sandbox:
        settings = attrs.evolve(settings, url=sandbox.url, ca_bundle=sandbox.ca_file)
        banner_stream = sys.stderr if settings.json_path == "-" else sys.stdout
        banner = ProgressStream(banner_stream)
        kind = f", profile {profile!r}" if profile else ""
        said = [f"Demo: the built-in TOPdesk simulator, scenario {scenario!r}{kind}, at {sandbox.url}"]
        said += [f"Demo: {silence.id} is silenced until {silence.until} (an example of a [[silence]] entry in "
                 "a --config file)" for silence in settings.silences if _is_the_example(silence)]
        for text in said:
            for line in _wrapped(text, banner_stream):
                banner.write_line(line)
        code = execute(settings, extras=extras)
        return ExitCode.OUTPUT_CLOSED if banner.reader_gone else code


def demo_settings(sandbox: Any, scenario: str, flags: dict[str, Any],
                  environ: Mapping[str, str] | None = None) -> Any:
    """The demo run's settings: the simulator's URL, login, password, branch and email, the rest as usual.

    settings.load_settings reads them, so a flag beats a ``TOPDESK_*`` variable beats
    the config file, and a bad value is the same one-line error as in a real run. The
    scenario's own rooms and password expiry stand in for the ones not given.
    """
    from topdesk_preflight.settings import PASSWORD_ENV, load_settings

    state = sandbox.state
    given = {name: value for name, value in flags.items() if name not in SIMULATOR_SETTINGS}
    given.update(url=_NOT_YET_LISTENING, username=state.login, branch=state.branch, email=state.email)
    env = {**(os.environ if environ is None else environ), PASSWORD_ENV: state.password}
    settings = load_settings(given, env, interactive=False)
    config = flags.get("config") or env.get("TOPDESK_CONFIG")
    defaults: dict[str, Any] = {}
    if not settings.rooms and state.rooms:
        defaults["rooms"] = state.rooms
    if settings.app_password_expires is None and state.app_password_expires is not None:
        defaults["app_password_expires"] = state.app_password_expires
    if not config:  # no config file: the default demo shows what a silence looks like
        defaults["silences"] = demo_silences(scenario, None)
    return attrs.evolve(settings, **defaults) if defaults else settings


def _is_the_example(silence: Any) -> bool:
    return silence.id == EXAMPLE_SILENCE_ID and silence.reason == EXAMPLE_SILENCE_REASON


def _wrapped(text: str, stream: TextIO) -> list[str]:
    """``text`` wrapped to the terminal's width under its "Demo: " label; a URL is never broken."""
    from topdesk_preflight.reports.text_report import wrap_text, terminal_width

    return wrap_text(text, terminal_width(stream) - 1, indent=len("Demo: "), break_long_words=False)


@contextlib.contextmanager
def demo_extra_needed() -> Iterator[None]:
    """Turn a missing package of the ``demo`` extra into the one line that says how to install it.

    The simulator imports trustme only when it starts over TLS, so both the
    import of the sandbox package and its start are guarded; any other missing
    module is left to ``cli.main`` (a missing dependency, or a real defect).
    """
    from topdesk_preflight.settings import SettingsError

    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in DEMO_EXTRA_PACKAGES:
            raise
        raise SettingsError(f"--demo needs the 'demo' extra ({exc.name} is not installed): "
                            "pip install 'topdesk-preflight[demo]'") from None


#: The silence the default demo shows, as a [[silence]] entry of a config file would.
EXAMPLE_SILENCE_ID = "rooms.reservable"
EXAMPLE_SILENCE_REASON = "The facility team makes Borealis 2.10 reservable this sprint (ticket FAC-2231)"


def demo_silences(scenario: str, config: str | None) -> tuple[Any, ...]:
    """The config file's silences; without one, the default demo shows what a silence looks like."""
    from datetime import date, timedelta

    from topdesk_preflight.settings import Silence, load_silences

    if config:
        return load_silences(config)
    if scenario != DEMO_DEFAULT_SCENARIO:
        return ()
    return (Silence(EXAMPLE_SILENCE_ID, EXAMPLE_SILENCE_REASON, date.today() + timedelta(days=14)),)
