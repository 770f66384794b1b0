"""Data scope for alerts: who sees which monitoring alerts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from envgrid.core.choices import Role
from envgrid.core.querysets import unit_subtree_ids


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user) -> AlertQuerySet:
        """Who sees which alerts.

        - district-wide roles (admin, dispatcher, leader, task-force lead): every alert;
        - grid heads and members: alerts of stations in the grids they head or belong to;
        - unit people: alerts whose case was dispatched to their unit (or a unit below it), and alerts of
          stations in the grids their unit may see (a district department sees every grid, a street its own).
        """
        from envgrid.cases.models import CaseAssignment
        from envgrid.grids.models import Grid

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        grids = Q(station__grid_id__in=Grid.objects.visible_to(user).values("pk"))
        if user.role in (Role.GRID_HEAD, Role.GRID_MEMBER):
            return self.filter(grids)
        assigned = CaseAssignment.objects.filter(unit_id__in=unit_subtree_ids(user.unit_id)).values("case_id")
        return self.filter(grids | Q(case_id__in=assigned))

    def open(self) -> AlertQuerySet:
        from envgrid.alerts.choices import AlertState

        return self.filter(state=AlertState.OPEN)
