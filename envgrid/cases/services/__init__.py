"""Writes of the closed loop, by part: filing (``report``), status changes through ``case_transition``
(``loop``), actions that keep the status and co-units' shares (``side``), and deadlines (``deadlines``).
Import them from here: ``from envgrid.cases.services import case_accept``."""

from envgrid.cases.services.common import dispatchers
from envgrid.cases.services.deadlines import cases_mark_overdue
from envgrid.cases.services.loop import (
    case_accept,
    case_dispatch,
    case_feedback,
    case_hold,
    case_reassign,
    case_reject,
    case_resume,
    case_return,
    case_sign,
    case_start,
    case_transition,
    case_verify,
)
from envgrid.cases.services.report import case_report, case_report_routed
from envgrid.cases.services.side import (
    assignment_feedback,
    assignment_sign,
    case_comment,
    case_extend_decide,
    case_extend_request,
    case_urge,
)

__all__ = [
    "assignment_feedback",
    "assignment_sign",
    "case_accept",
    "case_comment",
    "case_dispatch",
    "case_extend_decide",
    "case_extend_request",
    "case_feedback",
    "case_hold",
    "case_reassign",
    "case_reject",
    "case_report",
    "case_report_routed",
    "case_resume",
    "case_return",
    "case_sign",
    "case_start",
    "case_transition",
    "case_urge",
    "case_verify",
    "cases_mark_overdue",
    "dispatchers",
]
