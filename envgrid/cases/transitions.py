"""The closed loop as one table: which action moves a case from which states to which state,
and who may take it. ``services.case_transition`` is the only place that applies it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from envgrid.cases.choices import CaseAction as A
from envgrid.cases.choices import CaseStatus as S
from envgrid.core.choices import Role

ACTIVE = frozenset({S.ACCEPTED, S.DISPATCHED, S.SIGNED, S.IN_PROGRESS, S.RETURNED, S.FED_BACK})


def is_dispatcher(user, case) -> bool:
    return user.is_active and (user.is_superuser or user.role in (Role.DISPATCHER, Role.ADMIN))


def is_lead_unit_member(user, case) -> bool:
    return (
        user.is_active
        and case.lead_unit_id is not None
        and user.unit_id == case.lead_unit_id
        and user.role in (Role.UNIT_LEAD, Role.UNIT_STAFF, Role.RIVER_CHIEF)
    )


def can_verify(user, case) -> bool:
    """On-site verification (核查): the dispatcher, or a grid head/member of the case's grid — never
    someone of the unit that handled the case."""
    if not user.is_active or (case.lead_unit_id and user.unit_id == case.lead_unit_id):
        return False
    if is_dispatcher(user, case):
        return True
    if user.role not in (Role.GRID_HEAD, Role.GRID_MEMBER) or case.grid_id is None:
        return False
    grid = case.grid
    return grid.head_id == user.pk or grid.members.filter(pk=user.pk).exists()


def can_decide_extension(user, case) -> bool:
    """The dispatcher decides an extension, and only while a request waits for a decision."""
    from envgrid.cases.choices import ExtensionStatus
    from envgrid.cases.models import ExtensionRequest

    pending = ExtensionRequest.objects.filter(assignment__case_id=case.pk, status=ExtensionStatus.PENDING)
    return is_dispatcher(user, case) and pending.exists()


def anyone_with_access(user, case) -> bool:
    return user.is_active and not user.is_read_only


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: decided by the service (resume returns to the held state)
    allowed: Callable
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(A.ACCEPT, frozenset({S.REPORTED}), S.ACCEPTED, is_dispatcher),
        Transition(A.REJECT, frozenset({S.REPORTED, S.ACCEPTED, S.RETURNED}), S.REJECTED, is_dispatcher, True),
        Transition(A.DISPATCH, frozenset({S.ACCEPTED, S.RETURNED}), S.DISPATCHED, is_dispatcher),
        Transition(A.SIGN, frozenset({S.DISPATCHED}), S.SIGNED, is_lead_unit_member),
        Transition(A.START, frozenset({S.SIGNED}), S.IN_PROGRESS, is_lead_unit_member),
        Transition(A.FEEDBACK, frozenset({S.SIGNED, S.IN_PROGRESS}), S.FED_BACK, is_lead_unit_member, True),
        Transition(A.VERIFY_PASS, frozenset({S.FED_BACK}), S.CLOSED, can_verify),
        Transition(A.VERIFY_FAIL, frozenset({S.FED_BACK}), S.DISPATCHED, can_verify, True),
        Transition(A.RETURN, frozenset({S.DISPATCHED, S.SIGNED}), S.RETURNED, is_lead_unit_member, True),
        Transition(
            A.REASSIGN,
            frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS, S.RETURNED}),
            S.DISPATCHED,
            is_dispatcher,
            True,
        ),
        Transition(A.HOLD, frozenset(ACTIVE - {S.FED_BACK}), S.ON_HOLD, is_dispatcher, True),
        Transition(A.RESUME, frozenset({S.ON_HOLD}), None, is_dispatcher),
    ]
}

#: Actions that leave the status where it is but are recorded on the timeline.
SIDE_ACTIONS = {
    A.EXTEND_REQUEST: (frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), is_lead_unit_member),
    A.EXTEND_APPROVE: (frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), can_decide_extension),
    A.EXTEND_REFUSE: (frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), can_decide_extension),
    A.URGE: (frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), is_dispatcher),
    A.COMMENT: (frozenset(S.values), anyone_with_access),
}


#: What the system itself may do (actor None, shown as “系统” on the timeline): accept and route a clue found by a
#: machine, such as a sensor alert, by the routing table, and note on its case.
SYSTEM_ACTIONS = frozenset({A.ACCEPT, A.DISPATCH, A.COMMENT})


def may_take(action: str, allowed: Callable, user, case) -> bool:
    """Whether ``user`` may take ``action`` on ``case``; ``user`` None is the system (``SYSTEM_ACTIONS`` only)."""
    if user is None:
        return action in SYSTEM_ACTIONS
    return allowed(user, case)


def available_actions(case, user) -> list[str]:
    """The actions ``user`` may take on ``case`` now, in table order (for buttons and the API)."""
    actions = [t.action for t in TRANSITIONS.values() if case.status in t.sources and t.allowed(user, case)]
    actions += [a for a, (sources, allowed) in SIDE_ACTIONS.items() if case.status in sources and allowed(user, case)]
    return actions
