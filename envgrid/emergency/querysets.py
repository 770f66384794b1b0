"""Data scope of the emergency app (see core.querysets): the command centre and leaders see every unit's
roster, warning and check; a unit sees its own roster and checks, and the enterprises it answers for."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from envgrid.core.querysets import unit_subtree_ids


def _unit_ids(user) -> set[int] | None:
    """None for district-wide users (no limit), else the user's unit subtree (possibly empty)."""
    if user.is_district_wide:
        return None
    return unit_subtree_ids(user.unit_id)


def _signed_in(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


class DutyAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> DutyAssignmentQuerySet:
        """District-wide roles see every unit's roster; everyone else their own unit's (and those below)."""
        if not _signed_in(user):
            return self.none()
        units = _unit_ids(user)
        return self.all() if units is None else self.filter(unit_id__in=units)

    def covering(self, moment: dt.datetime) -> DutyAssignmentQuerySet:
        """People whose shift runs at ``moment`` (start included, end excluded)."""
        return self.filter(starts_at__lte=moment, ends_at__gt=moment)


class PollutionWarningQuerySet(models.QuerySet):
    def visible_to(self, user) -> PollutionWarningQuerySet:
        """A warning is public to everyone signed in: every unit must know the level it works under."""
        return self.all() if _signed_in(user) else self.none()

    def active(self) -> PollutionWarningQuerySet:
        from envgrid.emergency.choices import WarningStatus

        return self.filter(status=WarningStatus.ACTIVE)

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> PollutionWarningQuerySet:
        """Warnings that were in force at some moment of [start, end): activated, and not lifted before start."""
        return self.filter(activated_at__isnull=False, activated_at__lt=end).filter(
            Q(lifted_at__isnull=True) | Q(lifted_at__gt=start)
        )


class ReductionMeasureQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReductionMeasureQuerySet:
        """District-wide roles see the whole list; others the measures of the enterprises they may see."""
        if not _signed_in(user):
            return self.none()
        if user.is_district_wide:
            return self.all()
        from envgrid.sources.models import SupervisedObject

        return self.filter(supervised_object_id__in=SupervisedObject.objects.visible_to(user).values("pk"))


class SpotCheckQuerySet(models.QuerySet):
    def visible_to(self, user) -> SpotCheckQuerySet:
        """District-wide roles see every check; a unit sees the checks given to it (and to units below it)."""
        if not _signed_in(user):
            return self.none()
        units = _unit_ids(user)
        return self.all() if units is None else self.filter(unit_id__in=units)

    def open(self) -> SpotCheckQuerySet:
        from envgrid.emergency.choices import CheckStatus

        return self.filter(status=CheckStatus.PENDING)
