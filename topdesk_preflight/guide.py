"""The vendor guide's words, in one place, so every check, renderer and test quotes the same menu paths.

Source: Humly's guide *Booking System Preparation - TOPdesk*. The checks build their
remediation from these words, ``reports/rooms_table.py`` writes its fix notes with
them, and the tests assert with them instead of copying them. This module sits
beside the model, not under ``checks/``: importing ``topdesk_preflight.checks``
registers the whole catalogue, which a renderer has no reason to do.

Each remediation step names who acts, because a support thread bounces when the
customer's TOPdesk administrator and the HCP administrator cannot tell whose step
a line is: build steps with :func:`topdesk_admin`, :func:`hcp_admin` or
:func:`network_admin` (each writes a :class:`~topdesk_preflight.vocabulary.Step`).
"""

from __future__ import annotations

from topdesk_preflight.vocabulary import Actor, Step


def topdesk_admin(text: str) -> str:
    """A step for the customer's TOPdesk administrator (TOPdesk menu paths)."""
    return str(Step(Actor.TOPDESK, text))


def hcp_admin(text: str) -> str:
    """A step for the HCP administrator (HCP's TOPdesk connection settings)."""
    return str(Step(Actor.HCP, text))


def network_admin(text: str) -> str:
    """A step for whoever runs the firewall / proxy between HCP and TOPdesk."""
    return str(Step(Actor.NETWORK, text))


# Guide sections (the troubleshooting entries and preparation steps), verbatim headings.
CREATING_A_BRANCH = "Creating a Branch"
ROOM_TYPES = "Setting Up Custom Room Types in TOPdesk"
ADDING_ROOMS = "Adding Rooms to the Branch"
CREATING_AN_OPERATOR = "Creating an Operator"
CREATING_A_PERSON = "Creating a Person"
REGISTERING_PERMISSION_GROUP = "Registering a Permission Group"
ASSIGNING_PERMISSION_GROUP = "Assigning a Permission Group to an Operator"
CREATING_APP_PASSWORD = "Creating the Application Password"
TS_TYPE_DROPDOWN_EMPTY = "The Type dropdown is empty when creating a room"
TS_ROOMS_NOT_IN_IMPORT = "Rooms created in TOPdesk do not appear when importing into HCP"
TS_OPERATOR_CANNOT_LOG_IN = "Operator cannot log in to TOPdesk"
TS_APP_PASSWORD_LOST = "Application password is lost or expired"
TS_HCP_CANNOT_CONNECT = "HCP cannot connect to TOPdesk after completing preparation"

# Menu paths, in the guide's words.
MENU_BRANCH_SETTINGS = "Modules settings -> Property Management -> Branch settings"
MENU_ROOM_TYPE = "Modules settings -> Property management -> Dropdown list -> Room -> Type"
MENU_OPERATOR_SETTINGS = "Modules settings -> Supporting Files -> Operator settings"
MENU_PERSON_SETTINGS = "Modules settings -> Supporting Files -> Person settings"
MENU_PERMISSION_GROUP = "Supporting Files -> Permission Group"
MENU_OPERATOR_PERMISSION_GROUPS = ("the Operator card -> Authorization tab -> Permission Groups -> "
                                   "Link Wizard")
MENU_APP_PASSWORDS = "User menu -> My Settings -> Application Password"

PERMISSIONS_NEEDED = ("Reservation Management: create / read / update / delete; API Access: all; "
                      "Supporting Files: read / write / create / delete / archive")
#: The only room types HCP imports (the guide, "Adding Rooms to the Branch").
ROOM_TYPE_NAMES = ("Room", "Desk")
TYPES_LABEL = " or ".join(ROOM_TYPE_NAMES)

#: One wording for the one fix of a missing Supporting Files permission: every check that meets the
#: refusal gives exactly this step, so the reports merge them into one problem with one step.
SUPPORTING_FILES_STEP = topdesk_admin(
    f"In {MENU_PERMISSION_GROUP}, open the operator's permission group, expand Supporting Files permissions "
    "and check mark all under read / write / create / delete / archive, then save.")
RESERVATION_MANAGEMENT_STEP = topdesk_admin(
    f"In {MENU_PERMISSION_GROUP}, open the operator's permission group, expand Reservation Management and "
    "select create / read / update / delete, then save.")

# The settings a check needs and the flag that gives each: a check without its setting is
# "not checked" (skipped, naming the flag), never a pass.
FLAG_BRANCH = "--branch"
FLAG_ROOM = "--room"
FLAG_EXPIRES = "--app-password-expires"
NOT_CHECKED_BRANCH = "Not checked: give --branch (the branch name configured in HCP)."
