"""The guide's words in one place: the steps the checks build say who acts, and the shared step is one text."""

from __future__ import annotations

from topdesk_preflight import guide
from topdesk_preflight.model import Actor, Step


def test_each_step_builder_names_its_actor():
    assert Step.parse(guide.topdesk_admin("Open the room.")) == Step(Actor.TOPDESK, "Open the room.")
    assert Step.parse(guide.hcp_admin("Re-enter the password.")) == Step(Actor.HCP, "Re-enter the password.")
    assert Step.parse(guide.network_admin("Open TCP/443.")) == Step(Actor.NETWORK, "Open TCP/443.")


def test_the_supporting_files_step_is_the_topdesk_administrators_and_quotes_the_guides_menu():
    step = Step.parse(guide.SUPPORTING_FILES_STEP)
    assert step.actor is Actor.TOPDESK
    assert step.text.startswith(f"In {guide.MENU_PERMISSION_GROUP}, open the operator's permission group")


def test_hcp_imports_rooms_of_type_room_or_desk():
    assert guide.ROOM_TYPE_NAMES == ("Room", "Desk") and guide.TYPES_LABEL == "Room or Desk"


def test_importing_the_guide_does_not_load_the_check_catalogue():
    import subprocess
    import sys

    code = "import sys, topdesk_preflight.guide; print('topdesk_preflight.checks' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
