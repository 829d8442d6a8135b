"""Read-only by construction: no code path can build a write, and the ones that try are stopped before a byte.

tests/conftest.py checks every sandbox's request log after every test of the suite; this
module proves the same promise from the other side: the source holds no way to send a
write, the client's choke point refuses one, and so does the session under it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Callable, Iterator

import attrs
import pytest
import requests
import tenacity
from reliability_support import SECRET, Outcome, sandbox_args

import topdesk_preflight
import topdesk_preflight.checks
import topdesk_preflight.reports
from topdesk_preflight import registry as registry_module
from topdesk_preflight.client import TopdeskClient
from topdesk_preflight.errors import ReadOnlyViolation
from topdesk_preflight.registry import Registry, load_catalogue
from topdesk_preflight.sandbox import Sandbox

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "post")
WRITE_CALLS = {"post", "put", "patch", "delete", "options", "putrequest", "urlopen"}
#: Receivers whose ``.put(`` is a queue's, not HTTP's: the runner's task and result queues, and the
#: fleet's process pool's (topdesk_preflight.fleet_pool).
QUEUES = {"tasks", "done", "results"}
#: The one function allowed to hand a *variable* method to requests: it refuses all but GET/HEAD first.
CHOKE_POINT = ("client.py", "request")


def _package_sources() -> list[Path]:
    """Every module of the tool (engine, checks, reports); the sandbox is a server, not a client."""
    roots = [Path(topdesk_preflight.__file__).parent, Path(topdesk_preflight.checks.__file__).parent,
             Path(topdesk_preflight.reports.__file__).parent]
    files = [f for root in roots for f in root.rglob("*.py") if "sandbox" not in f.relative_to(root).parts]
    return sorted(set(files))


class _WriteFinder(ast.NodeVisitor):
    """Collects calls that send, or could send, anything but GET/HEAD."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.function = ""
        self.found: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802 - ast's naming
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        where = f"{self.filename}:{node.lineno}"
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        receiver_name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        if name in WRITE_CALLS and not (name == "put" and receiver_name in QUEUES):
            self.found.append(f"{where} calls .{name}(")
        if name in ("request", "Request"):
            method = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "method"),
                                                         None)
            if isinstance(method, ast.Constant):
                if str(method.value).upper() not in ("GET", "HEAD"):
                    self.found.append(f"{where} sends {method.value}")
            elif (self.filename, self.function) != CHOKE_POINT:
                self.found.append(f"{where} passes a computed method to {name}() outside the choke point")
        for keyword in node.keywords:
            if keyword.arg == "method" and isinstance(keyword.value, ast.Constant) \
                    and str(keyword.value.value).upper() not in ("GET", "HEAD"):
                self.found.append(f"{where} method={keyword.value.value!r}")
        self.generic_visit(node)


def test_no_code_path_in_the_tool_builds_a_request_other_than_get_or_head() -> None:
    sources = _package_sources()
    assert len(sources) >= 30 and any(f.name == "client.py" for f in sources)
    found: list[str] = []
    for source in sources:
        finder = _WriteFinder(source.name)
        finder.visit(ast.parse(source.read_text(encoding="utf-8"), filename=str(source)))
        found += finder.found
    assert found == []


def test_the_write_finder_would_notice_a_write() -> None:
    """The walk must be able to fail: each shape of write it looks for, planted in a snippet, is found."""
    snippets = ['session.post(url)', 'requests.request("DELETE", url)', 'Request("PUT", url)',
                'client.request(verb, path)', 'x.get(url, method="PATCH")', 'urllib.request.urlopen(r)']
    for snippet in snippets:
        finder = _WriteFinder("elsewhere.py")
        finder.visit(ast.parse(snippet))
        assert finder.found, snippet


@pytest.fixture(scope="module")
def quiet_sandbox() -> Iterator[Sandbox]:
    with Sandbox(scenario="healthy", password=SECRET) as sb:
        yield sb


@pytest.mark.parametrize("method", WRITE_METHODS)
def test_the_choke_point_and_the_session_under_it_refuse_writes_before_a_byte_is_sent(
        quiet_sandbox: Sandbox, method: str) -> None:
    quiet_sandbox.clear_requests()
    with TopdeskClient(quiet_sandbox.settings(), retry_wait=tenacity.wait_none()) as client:
        with pytest.raises(ReadOnlyViolation, match="only reads"):
            client.request(method, "/operators")
        with pytest.raises(ReadOnlyViolation, match="only reads"):  # reaching past the client's API
            client._session.request(method, quiet_sandbox.url + "/tas/api/operators", timeout=5)
        with pytest.raises(ReadOnlyViolation):
            client._session.send(client._session.prepare_request(
                requests.Request(method, quiet_sandbox.url + "/tas/api/operators")), timeout=5)
        assert client.get_json("/version")["version"]  # the same client still reads
    assert [(e.method, e.path) for e in quiet_sandbox.requests] == [("GET", "/tas/api/version")]


def test_a_check_that_tries_to_write_ends_as_error_and_topdesk_sees_only_reads(
        quiet_sandbox: Sandbox, run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch) -> None:
    def rogue(ctx: Any) -> Any:
        ctx.client.request("DELETE", "/operators/id/everyone")

    specs = [attrs.evolve(s, func=rogue) if s.id == "branch.exists" else s for s in load_catalogue()]
    monkeypatch.setattr(registry_module, "load_catalogue", lambda: Registry.from_specs(specs))
    quiet_sandbox.clear_requests()
    outcome = run_cli(sandbox_args(quiet_sandbox))
    rogue_result = outcome.check("branch.exists")
    assert rogue_result["status"] == "error" and "ReadOnlyViolation" in rogue_result["summary"]
    assert quiet_sandbox.requests and {e.method for e in quiet_sandbox.requests} == {"GET"}
