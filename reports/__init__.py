"""Report renderers: the JSON file (with a schema), the self-contained HTML page, the terminal lines.

Renderers read a ``topdesk_preflight.model.Report`` and nothing else, in
particular never ``Settings``, so the application password cannot reach them.
Names are imported on first use: ``--help`` should not pay for jinja2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.reports.html_report import render_html, write_html
    from topdesk_preflight.reports.json_report import (
        json_sha256,
        render_json,
        to_json_dict,
        validate_report_json,
        write_json,
    )
    from topdesk_preflight.reports.paths import default_paths
    from topdesk_preflight.reports.replay import curl_command
    from topdesk_preflight.reports.text_report import result_line, summary_lines
    from topdesk_preflight.reports.ticket_report import ticket_text

_LAZY = {
    "to_json_dict": "json_report",
    "render_json": "json_report",
    "write_json": "json_report",
    "validate_report_json": "json_report",
    "json_sha256": "json_report",
    "render_html": "html_report",
    "write_html": "html_report",
    "default_paths": "paths",
    "result_line": "text_report",
    "summary_lines": "text_report",
    "ticket_text": "ticket_report",
    "curl_command": "replay",
}

__all__ = ["curl_command", "default_paths", "json_sha256", "render_html", "render_json", "result_line",
           "summary_lines", "ticket_text", "to_json_dict", "validate_report_json", "write_html", "write_json"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'topdesk_preflight.reports' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
