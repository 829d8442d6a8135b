"""The JUnit XML report: one run as a test suite, so CI servers and schedulers show it natively.

HCP support tooling and partners run the tool from Jenkins, GitLab or Azure
Pipelines on a schedule; those read JUnit XML and turn a failing check into a
red test with its message, no parser of ours needed. The mapping:

- one ``<testsuite name="topdesk-preflight <host>">`` (inside ``<testsuites>``,
  the root most consumers expect), one ``<testcase>`` per check, with
  ``classname`` the check's area (``rooms``) and ``name`` ``"<id>: <title>"``;
- ``fail`` -> ``<failure message=summary>``, the body holding the details and the
  numbered remediation steps; ``error`` -> ``<error>`` likewise;
- ``skipped`` -> ``<skipped message=summary>``;
- ``warn`` -> a passing test whose ``<system-out>`` carries the warning (a
  warning never blocks HCP, so it must not turn the build red);
- a silenced result -> ``<skipped>`` naming the reason the config file gave.

XML is built with ``xml.etree`` (which escapes markup) after removing the
characters XML 1.0 cannot carry at all, so a hostile room name can neither
break the file nor inject elements.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from topdesk_preflight.reports.json_report import iso_utc
from topdesk_preflight.reports.paths import atomic_write_text
from topdesk_preflight.reports.sanitize import clean_text

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report

SUITE_PREFIX = "topdesk-preflight"
MESSAGE_LIMIT = 1_000  # a message attribute is shown on one line by most CI servers

# XML 1.0 forbids these even escaped; clean_text already drops the C0/C1 controls.
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("", clean_text(value))


def _message(value: object) -> str:
    text = _NOT_XML.sub("", clean_text(value, single_line=True))
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "\u2026"


def suite_host(url: str) -> str:
    """``acme.topdesk.net`` (with ``:port`` when the URL names one): which TOPdesk the suite is about."""
    try:
        return urlsplit(url if "//" in url else f"//{url}").netloc or url
    except ValueError:
        return url


def _body(result: "CheckResult") -> str:
    lines = [result.summary]
    lines += [f"- {detail}" for detail in result.details]
    if result.remediation:
        lines += ["", "How to fix:"]
        lines += [f"{number}. {step}" for number, step in enumerate(result.remediation, start=1)]
    if result.guide_section:
        lines += ["", f"Guide section: {result.guide_section}"]
    if result.change:
        lines += [f"Change since the compared report: {result.change}"]
    return _text("\n".join(lines))


def _testcase(suite: ET.Element, result: "CheckResult") -> str:
    """Add one ``<testcase>`` and return the JUnit outcome it counts as."""
    area = result.id.split(".", 1)[0] if result.id else "topdesk-preflight"
    case = ET.SubElement(suite, "testcase", {
        "classname": _message(area),
        "name": _message(f"{result.id}: {result.title}" if result.title else result.id),
        "time": f"{max(result.duration_s, 0.0):.3f}",
    })
    status = result.status.value
    if result.silenced is not None and status != "pass":
        ET.SubElement(case, "skipped", {
            "message": _message(f"silenced by the config file: {result.silenced} "
                                f"(was {status}: {result.summary})")})
        return "skipped"
    if status in ("fail", "error"):
        tag = "failure" if status == "fail" else "error"
        element = ET.SubElement(case, tag, {"message": _message(result.summary), "type": status})
        element.text = _body(result)
        return tag
    if status == "skipped":
        ET.SubElement(case, "skipped", {"message": _message(result.summary)})
        return "skipped"
    if status == "warn":
        out = ET.SubElement(case, "system-out")
        out.text = _text("WARNING (does not block HCP): ") + _body(result)
    elif result.change:
        out = ET.SubElement(case, "system-out")
        out.text = _body(result)
    return "pass"


def build_junit(report: "Report") -> ET.Element:
    """The ``<testsuites>`` element for ``report`` (one suite, one case per check)."""
    host = suite_host(report.target.url)
    name = _message(f"{SUITE_PREFIX} {host}")
    root = ET.Element("testsuites", {"name": name})
    suite = ET.SubElement(root, "testsuite", {
        "name": name,
        "timestamp": iso_utc(report.generated_at).removesuffix("Z"),
        "hostname": _message(host),
    })
    properties = ET.SubElement(suite, "properties")
    for key, value in (("url", report.target.url), ("readiness", report.readiness),
                       ("tool", f"{report.tool_name} {report.tool_version}"),
                       ("product_version", report.target.product_version or "unknown"),
                       ("api_version", report.target.api_version or "unknown"),
                       # deprecated, as in the JSON report: the REST API's version under a name read as TOPdesk's
                       ("topdesk_version", report.target.api_version or "unknown")):
        ET.SubElement(properties, "property", {"name": key, "value": _message(value)})
    outcomes = [_testcase(suite, result) for result in report.results]
    totals = {
        "tests": str(len(outcomes)),
        "failures": str(outcomes.count("failure")),
        "errors": str(outcomes.count("error")),
        "skipped": str(outcomes.count("skipped")),
        "time": f"{max(report.duration_s, 0.0):.3f}",
    }
    suite.attrib.update(totals)
    root.attrib.update({k: v for k, v in totals.items() if k != "skipped"})
    if report.warnings:
        err = ET.SubElement(suite, "system-err")
        err.text = _text("\n".join(f"WARNING: {w}" for w in report.warnings))
    return root


def render_junit(report: "Report") -> str:
    """The JUnit XML document as text, with its XML declaration, ending in a newline."""
    root = build_junit(report)
    ET.indent(root)
    return report.redact('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def write_junit(report: "Report", path: str | os.PathLike[str]) -> Path:
    """Write the JUnit XML atomically to ``path`` and return it."""
    return atomic_write_text(path, render_junit(report))
