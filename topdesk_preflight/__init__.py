"""topdesk-preflight: is this TOPdesk ready for Humly Control Panel, and if not, what must change?

The public API (importing it starts no thread and opens no connection)::

    from topdesk_preflight import Settings, run_preflight
    report = run_preflight(Settings(url="acme.topdesk.net", username="hcp-svc",
                                    password=Secret(...), branch="HQ Stockholm"))
    report.ready, report.result("rooms.typed").remediation
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from topdesk_preflight._version import __version__

_SUBPACKAGES_BESIDE = ("checks", "reports")  # setup.cfg's package_dir: they live beside this folder


def _source_tree_root() -> str | None:
    """The clone's root when this package is imported from a source tree, else None.

    In the clone, ``topdesk_preflight.checks`` and ``topdesk_preflight.reports`` are
    the top-level folders ``checks/`` and ``reports/`` (setup.cfg maps them with
    ``package_dir``); only an installed copy has them inside this folder. Python
    puts the current directory first on ``sys.path`` for ``python -m``, so running
    from the clone's root imports *this* folder even when a regular (non-editable)
    copy is installed, and without the editable install's finder the two
    subpackages would not be found. The root is recognised by its setup.cfg, so a
    stray ``checks/`` folder beside an installed copy changes nothing.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.isdir(os.path.join(here, _SUBPACKAGES_BESIDE[0])):
        return None  # an installed copy: the subpackages are inside it
    root = os.path.dirname(here)
    if not all(os.path.isfile(os.path.join(root, name, "__init__.py")) for name in _SUBPACKAGES_BESIDE):
        return None
    try:
        with open(os.path.join(root, "setup.cfg"), encoding="utf-8") as handle:
            names_this_project = any(line.replace(" ", "").strip() == "name=topdesk-preflight"
                                     for line in handle)
    except OSError:
        return None
    return root if names_this_project else None


_root = _source_tree_root()
if _root is not None:
    # The clone's root joins the package's search path, so ``topdesk_preflight.checks``
    # resolves to ``<root>/checks`` exactly as the editable install maps it.
    __path__.append(_root)
del _root

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
