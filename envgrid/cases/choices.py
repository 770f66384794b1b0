from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """Where a case stands in the closed loop (上报 → 受理 → 派遣 → 签收 → 处置 → 反馈 → 核查 → 结案)."""

    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    DISPATCHED = "dispatched", _("Dispatched")
    SIGNED = "signed", _("Signed")
    IN_PROGRESS = "in_progress", _("In progress")
    FED_BACK = "fed_back", _("Fed back")
    RETURNED = "returned", _("Returned")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")


STATUS_COLOURS = {
    CaseStatus.REPORTED: "secondary",
    CaseStatus.ACCEPTED: "info",
    CaseStatus.REJECTED: "dark",
    CaseStatus.DISPATCHED: "primary",
    CaseStatus.SIGNED: "primary",
    CaseStatus.IN_PROGRESS: "warning",
    CaseStatus.FED_BACK: "info",
    CaseStatus.RETURNED: "danger",
    CaseStatus.ON_HOLD: "secondary",
    CaseStatus.CLOSED: "success",
}

#: States in which the case is finished: no deadline runs.
FINAL_STATUSES = frozenset({CaseStatus.REJECTED, CaseStatus.CLOSED})
#: States in which the lead unit holds the case and its deadline runs.
UNIT_STATUSES = frozenset({CaseStatus.DISPATCHED, CaseStatus.SIGNED, CaseStatus.IN_PROGRESS})


class CaseAction(models.TextChoices):
    """Transitions of the closed loop; each is one row of ``transitions.TRANSITIONS``."""

    REPORT = "report", _("Report")
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    DISPATCH = "dispatch", _("Dispatch")
    SIGN = "sign", _("Sign")
    START = "start", _("Start handling")
    FEEDBACK = "feedback", _("Feed back")
    VERIFY_PASS = "verify_pass", _("Verify: pass")
    VERIFY_FAIL = "verify_fail", _("Verify: fail")
    RETURN = "return", _("Return")
    REASSIGN = "reassign", _("Reassign")
    EXTEND_REQUEST = "extend_request", _("Request extension")
    EXTEND_APPROVE = "extend_approve", _("Approve extension")
    EXTEND_REFUSE = "extend_refuse", _("Refuse extension")
    HOLD = "hold", _("Hold")
    RESUME = "resume", _("Resume")
    COMMENT = "comment", _("Comment")
    URGE = "urge", _("Urge")
    OVERDUE = "overdue", _("Overdue")
    ESCALATE = "escalate", _("Escalate")


class Channel(models.TextChoices):
    """Where a problem clue came from (线索来源)."""

    GRID_MEMBER = "grid_member", _("Grid member")
    INSPECTION = "inspection", _("Inspection")
    SENSOR = "sensor", _("Sensor alert")
    CITIZEN = "citizen", _("Citizen (Open311)")
    HOTLINE = "hotline", _("12345/12369 hotline")
    SUPERIOR = "superior", _("Superior hand-over")
    LEADER = "leader", _("Leader's instruction")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Critical")


class RejectReason(models.TextChoices):
    INVALID = "invalid", _("Invalid")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_OURS = "not_ours", _("Not our business")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    CO = "co", _("Co-unit")


class AssignmentStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("Awaiting signature")
    SIGNED = "signed", _("Signed")
    IN_PROGRESS = "in_progress", _("In progress")
    FED_BACK = "fed_back", _("Fed back")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")


OPEN_ASSIGNMENT_STATUSES = frozenset(
    {AssignmentStatus.DISPATCHED, AssignmentStatus.SIGNED, AssignmentStatus.IN_PROGRESS}
)


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", _("Hours")
    WORKING_HOURS = "working_hours", _("Working hours")
    WORKING_DAYS = "working_days", _("Working days")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
