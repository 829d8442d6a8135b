"""topdesk-preflight: is this TOPdesk ready for Humly Control Panel, and if not, what must change?

The public API (importing it starts no thread and opens no connection)::

    from topdesk_preflight import Settings, run_preflight
    report = run_preflight(Settings(url="acme.topdesk.net", username="hcp-svc",
                                    password=Secret(...), branch="HQ Stockholm"))
    report.ready, report.result("rooms.typed").remediation
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from topdesk_preflight._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report, Status
    from topdesk_preflight.registry import check
    from topdesk_preflight.runner import run_preflight
    from topdesk_preflight.settings import Secret, Settings

__all__ = ["__version__", "run_preflight", "Settings", "Secret", "Report", "CheckResult", "Status",
           "check"]

_LAZY = {
    "run_preflight": "topdesk_preflight.runner",
    "Settings": "topdesk_preflight.settings",
    "Secret": "topdesk_preflight.settings",
    "Report": "topdesk_preflight.model",
    "CheckResult": "topdesk_preflight.model",
    "Status": "topdesk_preflight.model",
    "check": "topdesk_preflight.registry",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use so ``--help`` and ``--version`` stay fast."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'topdesk_preflight' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
