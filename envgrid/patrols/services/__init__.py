"""Writes of the patrols app: checklists, plans and inspection records (with findings that become cases),
and joint-enforcement cases. Views, API views, the demo and tasks all call these."""

from envgrid.patrols.services.enforcement import (
    enforcement_add_measure,
    enforcement_complete_measure,
    enforcement_open,
    enforcement_publicize,
    enforcement_transition,
)
from envgrid.patrols.services.inspections import (
    FindingInput,
    checklist_publish,
    current_checklist,
    inspection_record,
    plan_cancel,
    plan_create,
)

__all__ = [
    "FindingInput",
    "checklist_publish",
    "current_checklist",
    "enforcement_add_measure",
    "enforcement_complete_measure",
    "enforcement_open",
    "enforcement_publicize",
    "enforcement_transition",
    "inspection_record",
    "plan_cancel",
    "plan_create",
]
