"""Reads of the sources app: who answers for an object on a day, and the objects a user may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from envgrid.sources.choices import ResponsibilityRole
from envgrid.sources.models import Responsibility, SupervisedObject


def objects_visible_to(user) -> QuerySet[SupervisedObject]:
    """The supervised objects ``user`` may see (see ``SupervisedObjectQuerySet.visible_to``)."""
    return SupervisedObject.objects.visible_to(user)


def area_chain(obj: SupervisedObject) -> list[int]:
    """Ids of the regions that contain the object, most specific first: community, street, district."""
    chain: list[int] = []
    if obj.grid_id:
        chain.append(obj.grid.community_id)
    street = obj.street if obj.street_id else (obj.grid.street if obj.grid_id else None)
    if street is not None:
        chain.append(street.pk)
        if street.parent_id:
            chain.append(street.parent_id)
    return chain


def responsible_on(
    obj: SupervisedObject, day: dt.date | None = None, *, role: str = ResponsibilityRole.LEAD
) -> Responsibility | None:
    """Who answered for ``obj`` on ``day`` (today by default): its own 分包 first, else its grid's, else
    its family's in the smallest area containing it (community, street, district); None when nobody."""
    day = day or timezone.localdate()
    in_force = Responsibility.objects.on(day).filter(role=role).select_related("unit", "person", "deputy")
    found = in_force.filter(supervised_object=obj).order_by("-valid_from", "-pk").first()
    if found is None and obj.grid_id:
        found = in_force.filter(grid_id=obj.grid_id).order_by("-valid_from", "-pk").first()
    if found is None:
        chain = area_chain(obj)
        if chain:
            candidates = list(in_force.filter(family_id=obj.family_id, region_id__in=chain))
            candidates.sort(key=lambda r: (chain.index(r.region_id), -r.valid_from.toordinal(), -r.pk))
            found = candidates[0] if candidates else None
    return found


def responsibility_history(obj: SupervisedObject) -> list[Responsibility]:
    """Every 分包 ever recorded directly on the object, newest period first."""
    return list(
        obj.responsibilities.select_related("unit", "person", "deputy", "created_by").order_by("-valid_from", "-pk")
    )
