"""Checks judge facts; only the facts modules talk to TOPdesk.

Every endpoint a check needs is read in a facts function (``checks/_*_facts.py``),
which builds typed values from the API's records. A check module that called the
client itself would bring back hand-written dialect (``$fields`` vs ``fields``) and raw
dicts. This walks the check modules' syntax trees and fails on any use of ``.client``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHECKS = Path(__file__).resolve().parents[2] / "checks"
CHECK_MODULES = sorted(p for p in CHECKS.glob("*.py") if not p.name.startswith("_"))


def client_uses(source: str) -> list[int]:
    """The lines of ``source`` that reach for an attribute named ``client`` (``ctx.client.get_json``, ...)."""
    return sorted({node.lineno for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.Attribute) and node.attr == "client"})


def test_there_are_check_modules_to_look_at():
    assert {p.stem for p in CHECK_MODULES} >= {"api", "auth", "branch", "network", "operator", "permissions",
                                               "person", "room_types", "rooms"}


@pytest.mark.parametrize("module", CHECK_MODULES, ids=lambda p: p.stem)
def test_no_check_calls_the_client(module):
    assert client_uses(module.read_text(encoding="utf-8")) == [], (
        f"checks/{module.name} calls the client: read the endpoint in a facts function instead")


def test_the_walk_can_fail():
    planted = "def typed(ctx):\n    data = ctx.client.get_json('/locations')\n    c = ctx.client\n"
    assert client_uses(planted) == [2, 3]
    assert client_uses("def typed(ctx):\n    return branch_rooms(ctx)\n") == []
