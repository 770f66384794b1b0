import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from envgrid.grids import selectors
from envgrid.grids.filtersets import GridFilterSet
from envgrid.grids.models import Grid
from envgrid.grids.permissions import can_manage_grids
from envgrid.grids.services import GridImportError, grids_export_geojson, grids_import_geojson

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@login_required
def grid_map(request):
    """The grid map: every visible grid coloured by street; a click opens the grid's card."""
    return render(request, "grids/map.html", {"map_settings": settings.ENVGRID_MAP})


@login_required
def grid_map_data(request):
    return JsonResponse(selectors.grid_map_layer(request.user))


@login_required
def grid_card(request, pk: int):
    try:
        grid = selectors.grid_card(pk, request.user)
    except Grid.DoesNotExist:
        raise Http404(_("No such grid, or it is outside your scope.")) from None
    context = {"grid": grid, "units": selectors.grid_units(grid), "members": list(grid.members.all())}
    template = "grids/_card.html" if request.htmx else "grids/detail.html"
    return render(request, template, context)


@login_required
def grid_list(request):
    """Grids the user may see, filtered; the table alone for htmx requests."""
    filterset = GridFilterSet(request.GET, queryset=selectors.grids_for_user(request.user))
    queryset = filterset.qs.order_by("code")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "totals": selectors.grid_totals(queryset),
        "can_manage": can_manage_grids(request.user),
    }
    template = "grids/_table.html" if request.htmx and not request.htmx.boosted else "grids/list.html"
    return render(request, template, context)


@login_required
def grid_export(request):
    """Download the filtered, visible grids as GeoJSON (WGS-84)."""
    filterset = GridFilterSet(request.GET, queryset=selectors.grids_for_user(request.user))
    collection = grids_export_geojson(filterset.qs.order_by("code"))
    response = HttpResponse(json.dumps(collection, ensure_ascii=False), content_type="application/geo+json")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="grids-{stamp}.geojson"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def grid_import(request):
    """Import grids from a GeoJSON file: all or nothing, every bad feature reported."""
    if not can_manage_grids(request.user):
        raise PermissionDenied
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [{"index": None, "code": "", "field": "file", "reason": _("Choose a GeoJSON file to import.")}]
        elif upload.size > MAX_IMPORT_BYTES:
            errors = [{"index": None, "code": "", "field": "file", "reason": _("The file is larger than 20 MB.")}]
        else:
            try:
                result = grids_import_geojson(actor=request.user, data=upload.read())
            except GridImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Import done: %(created)d grids created, %(updated)d updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("grid-list")
    return render(request, "grids/import.html", {"errors": errors}, status=400 if errors else 200)
