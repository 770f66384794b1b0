"""Data scope for directives: the command centre sees every unit's answer, a unit only its own."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q

from envgrid.core.querysets import unit_subtree_ids


class DirectiveQuerySet(models.QuerySet):
    def visible_to(self, user) -> DirectiveQuerySet:
        """Who sees which directives.

        - district-wide roles (admin, dispatcher, leader, task-force lead): every directive;
        - everyone else: the directives addressed to their unit or a unit below it.
        """
        from envgrid.directives.models import DirectiveTarget

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        if user.unit_id is None:
            return self.none()
        units = unit_subtree_ids(user.unit_id)
        return self.filter(Exists(DirectiveTarget.objects.filter(directive_id=OuterRef("pk"), unit_id__in=units)))

    def open(self) -> DirectiveQuerySet:
        from envgrid.directives.choices import DirectiveStatus

        return self.filter(status=DirectiveStatus.OPEN)


class DirectiveTargetQuerySet(models.QuerySet):
    def visible_to(self, user) -> DirectiveTargetQuerySet:
        """District-wide roles see every unit's row (the matrix); a unit sees its own rows (and those of
        the units below it), never another unit's feedback."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        if user.unit_id is None:
            return self.none()
        return self.filter(unit_id__in=unit_subtree_ids(user.unit_id))

    def awaiting_feedback(self) -> DirectiveTargetQuerySet:
        from envgrid.directives.choices import AWAITING_FEEDBACK

        return self.filter(status__in=AWAITING_FEEDBACK)


class DirectiveEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> DirectiveEventQuerySet:
        """Directive-wide entries for everyone who sees the directive; a unit's entries for that unit."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        if user.unit_id is None:
            return self.none()
        return self.filter(Q(target__isnull=True) | Q(target__unit_id__in=unit_subtree_ids(user.unit_id)))
