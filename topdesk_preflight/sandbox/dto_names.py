"""The field names of each DTO as TOPdesk documents or sends it: what ``strict_fields`` accepts in fields lists.

Copied from the official specs (supporting files 2.7.11 ExtendedBranchDto, ExtendedLocationDto, OperatorDto,
PersonV2Dto; reservations 2.0.0 ReservationDto and the reservable-location item), as vendored in
tests/sandbox/openapi/. Persons v1 is not in 2.7.11: its names are those of the recorded v1 record
demisto/content Packs/TOPdesk/Integrations/TOPdesk/test_data/topdesk_person.json (a Dutch on-prem tenant,
audit F13), which has no ``archived``. The sandbox renders fewer fields than these (views.py); a name here
that the sandbox does not render is ignored, a name outside these is a 400 under ``strict_fields``.
"""

from __future__ import annotations

BRANCH = frozenset("""
id status name specification clientReferenceNumber timeZone extraA extraB phone fax address email website
postalAddress branchType headBranch membershipNumber accountManager contact vatNumber surfaceArea volume attention
attentionComment additionalInfo serviceWindowOption serviceWindow realEstate optionalFields1 optionalFields2 notes
creator creationDate modifier modificationDate hasAttention
""".split())

LOCATION = frozenset("""
id status name roomNumber functionalUse type capacity specification budgetHolder branch buildingZone roomStatus
roomSetup majorLocation area finishing reservationManagement optionalFields1 optionalFields2 notes creator
creationDate modifier modificationDate
""".split())

OPERATOR = frozenset("""
id principalId status accountType apiAccount hasApplicationPasswords surName firstName dynamicName initials
prefixes birthName title gender language branch location telephone mobileNumber faxNumber email exchangeAccount
loginName loginPermission linkedPerson jobTitle department budgetHolder employeeNumber hourlyRate networkLoginName
mainframeLoginName hasAttention attention comments installer firstLineCallOperator secondLineCallOperator
problemManager problemOperator changeCoordinator changeActivitiesOperator requestForChangeOperator
extensiveChangeOperator simpleChangeOperator scenarioManager planningActivityManager projectCoordinator
projectActiviesOperator stockManager reservationsOperator serviceOperator externalHelpDeskParty contractManager
operationsOperator operationsManager knowledgeBaseManager accountManager creationDate creator modificationDate
modifier accessRoles optionalFields1 optionalFields2
""".split())

#: Added to OperatorDto with the One TOPdesk user (April 2024): absent before (audit R3, F6).
OPERATOR_SINCE_2024 = frozenset({"linkedPerson", "apiAccount", "accountType"})

PERSON_V2 = frozenset("""
id principalId firstName surName dynamicName archived modifier creator creationDate modificationDate firstInitials
prefixes birthName title language phoneNumber mobileNumber fax email jobTitle department budgetHolder
employeeNumber networkLoginName mainframeLoginName city tasLoginName hasSspAccess showAllBranches showBranch
showBudgetholder showDepartment showSubsidiaries showObjectsOfBranch showObjectsOfSubsidiaries authorizeAll
authorizeBranch authorizeBudgetHolder authorizeDepartment authorizeSubsidiaryBranches isCaller isManager manager
hasAttention attention branch location personExtraFieldA personExtraFieldB optionalFields1 optionalFields2
""".split())

PERSON_V1 = frozenset("""
id status surName firstName dynamicName firstInitials prefixes birthName title gender language phoneNumber
mobileNumber fax email jobTitle department budgetHolder employeeNumber networkLoginName mainframeLoginName
clientReferenceNumber city tasLoginName showBranch showBudgetholder showDepartment showSubsidiaries showAllBranches
authorizeAll authorizeDepartment authorizeBudgetHolder authorizeBranch authorizeSubsidiaryBranches isManager
manager hasAttention attention attentionComment creator creationDate modifier modificationDate optionalFields1
optionalFields2 personExtraFieldA personExtraFieldB departmentFree branch location
""".split())

RESERVATION = frozenset("""
id status number briefDescription notes archived requester reservedForOther operator operatorGroup participants
numberOfPersons plannedStartDate plannedEndDate reservedFacilities event processingStatus series externalLinks
optionalFields1 optionalFields2 modificationDate
""".split())

RESERVABLE_LOCATION = frozenset({"id", "branch", "name", "roomNumber", "capacity"})

BY_KIND: dict[str, frozenset[str]] = {
    "branch": BRANCH, "location": LOCATION, "operator": OPERATOR, "person_v1": PERSON_V1,
    "person_v2": PERSON_V2, "reservation": RESERVATION, "reservable_location": RESERVABLE_LOCATION,
}


def known(kind: str, pre_2024: bool = False) -> frozenset[str]:
    """The names a ``fields``/``$fields`` list may hold for records of ``kind``."""
    names = BY_KIND[kind]
    return names - OPERATOR_SINCE_2024 if pre_2024 and kind == "operator" else names
