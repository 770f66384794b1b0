"""Reads of directives: the scoped lists with their counts, the matrix, the timeline, home counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.querysets import unit_subtree_ids
from envgrid.directives.choices import AWAITING_FEEDBACK, DirectiveStatus, TargetStatus
from envgrid.directives.models import (
    TARGET_STATES,
    Directive,
    DirectiveEvent,
    DirectiveTarget,
)
from envgrid.directives.permissions import acts_for_unit, can_manage_directives

TAB_TODO, TAB_ISSUED, TAB_ALL = "todo", "issued", "all"


def tabs_for(user) -> list[str]:
    """The lists a user has: mine to handle (unit people), issued by me (the command centre), all visible."""
    tabs = [TAB_TODO] if acts_for_unit(user) else []
    if can_manage_directives(user):
        tabs.append(TAB_ISSUED)
    return [*tabs, TAB_ALL]


def _awaiting_my_unit(user) -> Exists:
    return Exists(
        DirectiveTarget.objects.filter(directive_id=OuterRef("pk"), unit_id=user.unit_id, status__in=AWAITING_FEEDBACK)
    )


def directives_in_tab(user, tab: str) -> QuerySet[Directive]:
    queryset = Directive.objects.visible_to(user)
    if tab == TAB_TODO:
        return queryset.open().filter(_awaiting_my_unit(user))
    if tab == TAB_ISSUED:
        return queryset.filter(issued_by=user)
    return queryset


def tab_counts(user, tabs: list[str]) -> dict[str, int]:
    """How many directives each tab holds (open ones for the long lists), in one query."""
    counts = {
        TAB_ALL: Count("pk", filter=Q(status=DirectiveStatus.OPEN)),
        TAB_ISSUED: Count("pk", filter=Q(status=DirectiveStatus.OPEN, issued_by=user)),
    }
    if TAB_TODO in tabs:
        counts[TAB_TODO] = Count("pk", filter=Q(_awaiting_my_unit(user), status=DirectiveStatus.OPEN))
    return Directive.objects.visible_to(user).aggregate(**{t: counts[t] for t in tabs})


def with_list_columns(queryset: QuerySet[Directive], user) -> QuerySet[Directive]:
    """What a list row shows: progress over all units for district-wide roles; a unit's own row otherwise."""
    queryset = queryset.select_related("issued_by").order_by("-issued_at", "-id")
    if user.is_district_wide:
        return queryset.annotate(
            units_total=Count("targets"),
            units_fed_back=Count("targets", filter=Q(targets__status=TargetStatus.FED_BACK)),
            units_late=Count("targets", filter=Q(targets__is_late=True)),
        )
    mine = DirectiveTarget.objects.filter(directive_id=OuterRef("pk"), unit_id=user.unit_id)
    return queryset.annotate(
        my_status=Subquery(mine.values("status")[:1]), my_late=Subquery(mine.values("is_late")[:1])
    )


def own_row_state(directive: Directive) -> tuple | None:
    """(label, colour) of the user's own unit on a list row annotated by ``with_list_columns``."""
    if getattr(directive, "my_status", None) is None:
        return None
    row = DirectiveTarget(directive=directive, status=directive.my_status, is_late=bool(directive.my_late))
    return TARGET_STATES[row.state()]


def directive_for_page(user, pk: int) -> Directive:
    """One visible directive; raises Directive.DoesNotExist outside the user's scope."""
    return Directive.objects.visible_to(user).select_related("issued_by", "closed_by", "parent").get(pk=pk)


@dataclass
class MatrixRow:
    target: DirectiveTarget
    state: str
    label: str
    colour: str
    figures: list = field(default_factory=list)


@dataclass
class Matrix:
    """The units × status matrix of one directive (as much of it as the user may see)."""

    rows: list[MatrixRow]
    states: Counter
    laggards: int
    figure_totals: list
    own: DirectiveTarget | None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def fed_back(self) -> int:
        return self.states["fed_back"] + self.states["fed_back_late"]

    @property
    def late(self) -> int:
        return sum(1 for r in self.rows if r.target.is_late or r.state in ("overdue", "missing"))


def directive_matrix(directive: Directive, user) -> Matrix:
    """Every visible unit row with its state, figures and files, in two queries."""
    targets = list(
        DirectiveTarget.objects.visible_to(user)
        .filter(directive=directive)
        .select_related("unit", "signed_by", "fed_back_by")
        .prefetch_related("attachments")
        .order_by("unit__sort_order", "unit__name")
    )
    now = timezone.now()
    rows = []
    for target in targets:
        target.directive = directive
        state = target.state(now)
        label, colour = TARGET_STATES[state]
        figures = [target.figures.get(name) for name in directive.figure_names]
        rows.append(MatrixRow(target, state, label, colour, figures))
    totals = [
        sum(v for v in (r.figures[i] for r in rows) if isinstance(v, int | float))
        for i in range(len(directive.figure_names))
    ]
    own = next((t for t in targets if t.unit_id == user.unit_id), None) if user.unit_id else None
    return Matrix(
        rows=rows,
        states=Counter(r.state for r in rows),
        laggards=sum(1 for t in targets if t.status in AWAITING_FEEDBACK),
        figure_totals=totals,
        own=own,
    )


def directive_timeline(directive: Directive, user) -> list[DirectiveEvent]:
    return list(
        DirectiveEvent.objects.visible_to(user)
        .filter(directive=directive)
        .select_related("target__unit")
        .order_by("created_at", "id")
    )


def attachment_visible(attachment, user) -> bool:
    """A directive's own files go to everyone who sees it; a unit's feedback files stay within its scope."""
    if not Directive.objects.visible_to(user).filter(pk=attachment.directive_id).exists():
        return False
    if attachment.target_id is None or user.is_district_wide:
        return True
    return attachment.target.unit_id in unit_subtree_ids(user.unit_id)


def home_counts(user) -> list:
    """Home-page counts: open directives and laggards for the command centre and leaders; what waits for
    the user's own unit for unit people."""
    from envgrid.core.hooks import HomeCount

    now = timezone.now()
    url = reverse("directive-list")
    awaiting = Q(status__in=AWAITING_FEEDBACK)
    overdue = awaiting & (Q(is_late=True) | Q(directive__feedback_due_at__lt=now))
    if user.is_district_wide:
        totals = DirectiveTarget.objects.filter(directive__status=DirectiveStatus.OPEN).aggregate(
            directives=Count("directive", distinct=True),
            waiting=Count("pk", filter=awaiting),
            overdue=Count("pk", filter=overdue),
        )
        return [
            HomeCount(label=_("Open directives"), value=totals["directives"], url=f"{url}?tab=all&status=open"),
            HomeCount(
                label=_("Units yet to feed back on directives"), value=totals["waiting"], url=url, tone="warning"
            ),
            HomeCount(label=_("Units overdue on directives"), value=totals["overdue"], url=url, tone="danger"),
        ]
    if not acts_for_unit(user):
        return []
    totals = DirectiveTarget.objects.filter(unit_id=user.unit_id, directive__status=DirectiveStatus.OPEN).aggregate(
        to_sign=Count("pk", filter=Q(status=TargetStatus.PENDING)),
        to_feed_back=Count("pk", filter=awaiting),
        overdue=Count("pk", filter=overdue),
    )
    todo = f"{url}?tab=todo"
    return [
        HomeCount(label=_("Directives awaiting my unit's signature"), value=totals["to_sign"], url=todo),
        HomeCount(
            label=_("Directives awaiting my unit's feedback"), value=totals["to_feed_back"], url=todo, tone="warning"
        ),
        HomeCount(label=_("Overdue directives"), value=totals["overdue"], url=todo, tone="danger"),
    ]
