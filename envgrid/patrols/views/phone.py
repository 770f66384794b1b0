"""The phone pages (360 px, WeChat's browser): find the object — nearby by GPS, or by name — answer its
checklist, take photos, record the problem found, which becomes a case routed to the object's owner."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from envgrid.core.errors import DomainError
from envgrid.patrols import selectors
from envgrid.patrols.forms import InspectionForm
from envgrid.patrols.models import Inspection, InspectionPlan, PatrolSettings
from envgrid.patrols.permissions import can_inspect
from envgrid.patrols.services import current_checklist
from envgrid.patrols.services.inspections import inspectable_objects

SEARCH_LIMIT = 20


def _inspector(request):
    if not can_inspect(request.user):
        raise PermissionDenied
    return request.user


@login_required
@require_GET
def phone_home(request):
    """Start an inspection: nearby objects (GPS), a search, the objects of my unit's running plans."""
    user = _inspector(request)
    today = timezone.localdate()
    planned = (
        inspectable_objects(user, today)
        .filter(inspection_plans__in=InspectionPlan.objects.active_on(today).filter(units=user.unit_id))
        .select_related("grid")
        .distinct()
        .order_by("name")[:SEARCH_LIMIT]
    )
    recent = Inspection.objects.filter(inspector=user).select_related("supervised_object").order_by("-started_at")[:5]
    cfg = PatrolSettings.current()
    context = {"planned": list(planned), "recent": list(recent), "settings": cfg, "map_settings": settings.ENVGRID_MAP}
    return render(request, "patrols/phone/home.html", context)


@login_required
@require_GET
def phone_objects(request):
    """The object list fragment (htmx): nearest first when a position is given, else by name/code search."""
    user = _inspector(request)
    q = request.GET.get("q", "").strip()
    rows: list[tuple] = []
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        lon = lat = None
    if q:
        found = (
            inspectable_objects(user, timezone.localdate())
            .filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
            .select_related("grid")
            .order_by("name")[:SEARCH_LIMIT]
        )
        rows = [(obj, None) for obj in found]
    elif lon is not None:
        radius = PatrolSettings.current().nearby_radius_m
        rows = selectors.nearby_objects(user, lon, lat, radius_m=radius, limit=SEARCH_LIMIT)
    return render(request, "patrols/phone/_objects.html", {"rows": rows, "q": q, "located": lon is not None})


@login_required
@require_http_methods(["GET", "POST"])
def phone_inspect(request, pk: int):
    """The on-site record for one object."""
    user = _inspector(request)
    obj = inspectable_objects(user, timezone.localdate()).select_related("grid", "family").filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such object, or it is outside your reach."))
    checklist = current_checklist(obj.kind)
    plans = selectors.plans_open_to(user, obj, timezone.localdate())
    form = InspectionForm(
        request.POST or None, request.FILES or None, obj=obj, user=user, checklist=checklist, plans=plans
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = form.perform()
        except DomainError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, list(exc.messages))
        else:
            messages.success(request, _("Inspection %(number)s recorded.") % {"number": inspection.number})
            return redirect("patrols-phone-record", pk=inspection.pk)
    context = {"form": form, "obj": obj, "checklist": checklist, "settings": PatrolSettings.current()}
    return render(request, "patrols/phone/inspect.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def phone_record(request, pk: int):
    """A recorded inspection on the phone: its answers, and the cases its findings became."""
    try:
        inspection = selectors.inspection_for_page(request.user, pk)
    except Inspection.DoesNotExist:
        raise Http404 from None
    return render(request, "patrols/phone/record.html", {"inspection": inspection})
