"""A fleet of real HTTPS sandboxes whose tenants break and recover between runs, for the fleet-over-time tests.

``Fleet`` starts one sandbox per tenant name, writes the targets file for them,
and ``fleet.serve(Beta="rooms_untyped")`` switches a tenant's scenario before the
next run (same URL, CA and password), which is how a customer's TOPdesk changes
from one night to the next.

Every fleet test module wants the same two things around its tests: the fleet
started once for the module and stopped after it (``with Fleet([...]) as fleet``),
and an environment without proxies (the sandboxes are on 127.0.0.1) that holds
the tenants' password (:func:`fleet_environment`). They live here so that each
module says only which tenants it runs.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

import pytest

from topdesk_preflight.sandbox import Sandbox

PASSWORD = "Fl33tHist-pw!unique-8812-k"
PASSWORD_ENV = "FLEET_HISTORY_APP_PASSWORD"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


def tenant_toml(name: str, sb: Sandbox, *, env: str = PASSWORD_ENV, extra: str = "",
                url: str | None = None, ca_file: str | None = None) -> str:
    """One [[tenant]] table for a sandbox, as a partner would write it."""
    return (f'[[tenant]]\nname = "{name}"\nurl = "{url or sb.url}"\nusername = "{sb.login}"\n'
            f'branch = "{sb.state.branch}"\nemail = "{sb.state.email}"\nca_bundle = "{ca_file or sb.ca_file}"\n'
            f'password_env = "{env}"\n{extra}')


def fleet_environment(monkeypatch: pytest.MonkeyPatch, *, password: bool = True) -> None:
    """No proxy variable (a CI runner's proxy cannot reach 127.0.0.1) and, with ``password``, the tenants' one."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if password:
        monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


class Fleet:
    """Named tenants, each a sandbox serving a scenario; start with :meth:`start`, end with :meth:`stop`.

    As a context manager it starts every sandbox and stops them all on the way out, whatever the
    tests did; ``scenarios`` names the tenants that start as something other than ``healthy``.
    """

    def __init__(self, names: Iterable[str], *, latency: float = 0.0,
                 scenarios: Mapping[str, str] | None = None) -> None:
        chosen = dict(scenarios or {})
        self.sandboxes = {name: Sandbox(scenario=chosen.get(name, "healthy"), password=PASSWORD, latency=latency)
                          for name in names}
        self.extra: dict[str, str] = {}
        self._ca_folder = Path(tempfile.mkdtemp(prefix="fleet-ca-"))
        self._where: dict[str, tuple[str, str]] = {}  # name -> (url, CA copy): still there when a server is killed

    def start(self, *names: str) -> "Fleet":
        """Start every sandbox (or the ones named, again after :meth:`kill`)."""
        for name in names or self.sandboxes:
            sb = self.sandboxes[name].start()
            ca_copy = self._ca_folder / f"{len(self._where)}-{name}.pem"
            shutil.copyfile(str(sb.ca_file), ca_copy)
            self._where[name] = (sb.url, str(ca_copy))
        return self

    def kill(self, name: str) -> None:
        """The tenant's TOPdesk goes away; its URL stays in the targets file."""
        self.sandboxes[name].stop()

    def stop(self) -> None:
        for sb in self.sandboxes.values():
            sb.stop()
        shutil.rmtree(self._ca_folder, ignore_errors=True)

    def __enter__(self) -> "Fleet":
        try:
            return self.start()
        except BaseException:  # a port that was taken: the sandboxes already started must not linger
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve(self, **scenarios: str) -> None:
        """Switch tenants to other scenarios (the rest keep theirs); ``healthy`` is the fix."""
        for name, scenario in scenarios.items():
            self.sandboxes[name].load(scenario)

    def heal(self) -> None:
        for sb in self.sandboxes.values():
            if sb.scenario != "healthy":
                sb.load("healthy")

    def targets(self, folder: Path, names: Iterable[str] | None = None) -> Path:
        path = folder / "targets.toml"
        chosen = list(self.sandboxes) if names is None else list(names)
        path.write_text("[defaults]\ntimeout = 5\n" + "".join(
            tenant_toml(name, self.sandboxes[name], extra=self.extra.get(name, ""), url=self._where[name][0],
                        ca_file=self._where[name][1]) for name in chosen),
            encoding="utf-8")
        return path


def files_hold(folder: Path, secret: str) -> list[Path]:
    """Every file under ``folder`` whose bytes contain ``secret`` (SQLite pages and WAL included)."""
    needle = secret.encode("utf-8")
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]
