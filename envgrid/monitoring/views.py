"""Web pages of the monitoring app: stations (list, map, station page with charts), the HJ 212 receiver's status
and the readings upload. Every page reads through ``selectors`` with the user's station scope."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from envgrid.core.errors import DomainError
from envgrid.core.spreadsheets import xlsx_response
from envgrid.grids.coords import wgs84_to_bd09, wgs84_to_gcj02
from envgrid.monitoring import ingest, selectors
from envgrid.monitoring.choices import STATUS_COLORS, StationKind, StationStatus, unit_label
from envgrid.monitoring.forms import ReadingsUploadForm, StationFilterSet
from envgrid.monitoring.models import Station

PAGE_SIZE = 50
MAP_REFRESH_SECONDS = 30
RECEIVER_REFRESH_SECONDS = 10
LATEST_REJECTS = 50
CHART_LABELS = {
    "pm25": "PM2.5",
    "pm10": "PM10",
    "so2": "SO2",
    "no2": "NO2",
    "co": "CO",
    "o3": "O3",
}


def monitoring_tabs(request, active: str) -> list[dict]:
    """The tabs shared by the monitoring pages; rankings and the admin pages only where they exist/apply."""
    tabs = [
        {"key": "stations", "label": _("Stations"), "url": reverse("station-list")},
        {"key": "map", "label": _("Station map"), "url": reverse("station-map")},
    ]
    try:
        tabs.append({"key": "rankings", "label": _("Rankings"), "url": reverse("monitoring-rankings")})
    except NoReverseMatch:
        pass
    if selectors.can_watch_receiver(request.user):
        tabs.append({"key": "receiver", "label": _("HJ 212 receiver"), "url": reverse("monitoring-receiver")})
        tabs.append({"key": "upload", "label": _("Upload readings"), "url": reverse("readings-upload")})
    for tab in tabs:
        tab["active"] = tab["key"] == active
    return tabs


def _filterset(request) -> StationFilterSet:
    queryset = selectors.stations_visible_to(request.user).select_related("grid", "grid__street")
    return StationFilterSet(request.GET, queryset=queryset, user=request.user)


@login_required
@require_GET
def station_list(request):
    """Stations in the user's scope with device status and latest AQI; the table alone for htmx."""
    filterset = _filterset(request)
    page = Paginator(selectors.control_first(filterset.qs), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "filterset": filterset,
        "page": page,
        "rows": selectors.station_rows(list(page), now=now),
        "status_counts": _status_badges(selectors.stations_visible_to(request.user), now),
        "show_password": selectors.can_see_station_password(request.user),
        "tabs": monitoring_tabs(request, "stations"),
    }
    template = "monitoring/_station_table.html" if request.htmx and not request.htmx.boosted else "monitoring/list.html"
    return render(request, template, context)


def _status_badges(queryset, now) -> list[dict]:
    stations = list(queryset.only("id", "is_active", "last_seen_at", "interval_minutes", "last_data_flagged"))
    counts = selectors.status_counts(stations, now=now)
    return [
        {"value": value, "label": label, "count": counts[value], "color": STATUS_COLORS[value]}
        for value, label in StationStatus.choices
    ]


@login_required
@require_GET
def station_map(request):
    """The station map: every visible station coloured by its latest AQI, refreshing itself."""
    context = {
        "map_settings": settings.ENVGRID_MAP,
        "legend": selectors.aqi_legend(),
        "refresh_seconds": _refresh_seconds(request, MAP_REFRESH_SECONDS),
        "tabs": monitoring_tabs(request, "map"),
        "kinds": StationKind.choices,
    }
    return render(request, "monitoring/map.html", context)


def _refresh_seconds(request, default: int) -> int:
    """``?refresh=`` seconds (5 to 600; e.g. a wall display in the command centre), else the default."""
    try:
        return min(max(int(request.GET.get("refresh", default)), 5), 600)
    except ValueError:
        return default


_TO_MAP_CRS = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


@login_required
@require_GET
def station_map_data(request):
    """The map's stations as JSON (positions in the base map's datum), with status and latest AQI."""
    filterset = _filterset(request)
    now = timezone.now()
    stations = list(filterset.qs.order_by("mn"))
    convert = _TO_MAP_CRS.get(settings.ENVGRID_MAP["crs"])
    detail_url = reverse("station-detail", args=[0])[: -len("0/")]
    features = []
    for row in selectors.station_rows(stations, now=now):
        station = row.station
        lon, lat = convert(station.lon, station.lat) if convert else (station.lon, station.lat)
        features.append(
            {
                "id": station.pk,
                "mn": station.mn,
                "name": station.name,
                "kind": station.kind,
                "kind_label": station.get_kind_display(),
                "grid": station.grid.name if station.grid_id else "",
                "lon": lon,
                "lat": lat,
                "status": row.status.value,
                "status_label": row.status.label,
                "status_color": STATUS_COLORS[row.status],
                "aqi": _aqi_json(row.aqi),
                "url": f"{detail_url}{station.pk}/",
            }
        )
    return JsonResponse(
        {
            "stations": features,
            "legend": selectors.aqi_legend(),
            "crs": settings.ENVGRID_MAP["crs"],
            "refreshed_at": timezone.localtime(now).isoformat(timespec="seconds"),
        }
    )


def _aqi_json(aqi: dict | None) -> dict | None:
    if aqi is None:
        return None
    data_time = aqi.get("data_time")
    return {**aqi, "data_time": timezone.localtime(data_time).isoformat() if data_time else None}


def _station(request, pk: int) -> Station:
    try:
        return selectors.station_for_page(request.user, pk)
    except Station.DoesNotExist:
        raise Http404(_("No such station, or it is outside your scope.")) from None


@login_required
@require_GET
def station_detail(request, pk: int):
    """A station's page: identity, device status, latest AQI and values, and its charts."""
    station = _station(request, pk)
    now = timezone.now()
    row = selectors.station_rows([station], now=now)[0]
    latest = selectors.latest_reading(station)
    values = []
    if latest is not None:
        for column in selectors.POLLUTANT_COLUMNS + selectors.WEATHER_COLUMNS:
            field = latest._meta.get_field(column)
            values.append(
                {
                    "label": field.verbose_name,
                    "value": getattr(latest, column),
                    "unit": unit_label(ingest.FACTORS[column].unit),
                }
            )
    context = {
        "station": station,
        "row": row,
        "latest": latest,
        "values": values,
        "show_password": selectors.can_see_station_password(request.user),
        "tabs": monitoring_tabs(request, "stations"),
        "pollutants": [(c, label, unit_label(ingest.FACTORS[c].unit)) for c, label in CHART_LABELS.items()],
    }
    return render(request, "monitoring/detail.html", context)


def _query_time(request, name: str):
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    return ingest.parse_time(text, now=timezone.now() + timedelta(days=3660))


@login_required
@require_GET
def station_series_data(request, pk: int):
    """A station's chart data as JSON: ``?interval=minute|hour|day&start=&end=`` (defaults: 6 h, 48 h, 30 days)."""
    station = _station(request, pk)
    interval = request.GET.get("interval", "hour")
    try:
        start, end = selectors.series_window(
            interval=interval, start=_query_time(request, "start"), end=_query_time(request, "end")
        )
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    points = selectors.station_series(station=station, start=start, end=end, interval=interval)
    return JsonResponse(
        {
            "station": station.pk,
            "interval": interval,
            "start": timezone.localtime(start).isoformat(),
            "end": timezone.localtime(end).isoformat(),
            "points": [selectors.jsonable_point(p) for p in points],
        }
    )


@login_required
@require_GET
def station_wind_data(request, pk: int):
    """The station's wind rose over the last ``hours`` (default 24) as JSON."""
    station = _station(request, pk)
    try:
        hours = min(max(int(request.GET.get("hours", 24)), 1), 24 * 31)
    except ValueError:
        return HttpResponseBadRequest("hours must be an integer")
    end = timezone.now()
    return JsonResponse(selectors.wind_rose(station=station, start=end - timedelta(hours=hours), end=end))


_PASSWORD = re.compile(r"(PW=)[^;&]*")


def _masked(user, frames) -> list:
    """The rejected frames, their ``PW=`` values masked unless the user is an administrator (it may be a
    station's real password, or an attacker's guess of it)."""
    frames = list(frames)
    if not selectors.can_see_station_password(user):
        for frame in frames:
            frame.raw = _PASSWORD.sub(r"\1******", frame.raw)
    return frames


@login_required
@require_GET
def receiver_status(request):
    """The HJ 212 receiver for administrators and dispatchers: connections, frames per minute, rejects by
    reason and the latest refused frames with their peers; the panel alone for htmx polling."""
    if not selectors.can_watch_receiver(request.user):
        raise PermissionDenied
    now = timezone.now()
    code = request.GET.get("code", "").strip()
    peer = request.GET.get("peer", "").strip()
    overview = selectors.receiver_overview(now=now)
    rejects_24h = selectors.rejects_by_reason(since=now - timedelta(hours=24))
    since_start, last_day = dict(overview["rejects_since_start"]), dict(rejects_24h)
    reasons = sorted(set(since_start) | set(last_day), key=lambda r: (-since_start.get(r, 0), -last_day.get(r, 0), r))
    context = {
        **overview,
        "rejects_24h": rejects_24h,
        "rejects_table": [(r, (since_start.get(r), last_day.get(r))) for r in reasons],
        "frames": _masked(request.user, selectors.rejected_frames(code=code, peer=peer)[:LATEST_REJECTS]),
        "code": code,
        "peer": peer,
        "now": now,
        "refresh_seconds": RECEIVER_REFRESH_SECONDS,
        "tabs": monitoring_tabs(request, "receiver"),
        "hj212_port": getattr(settings, "HJ212_PORT", None),
    }
    template = "monitoring/_receiver.html" if request.htmx and not request.htmx.boosted else "monitoring/receiver.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def readings_upload(request):
    """Upload readings from a CSV or Excel file (administrators and dispatchers): all-or-nothing, or keep the
    good rows; the error report names row, column and reason."""
    if not selectors.can_watch_receiver(request.user):
        raise PermissionDenied
    form = ReadingsUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "tabs": monitoring_tabs(request, "upload"), "headers": ingest.template_headers()}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = ingest.readings_from_table(
                    upload.read(), filename=upload.name, default_interval=form.cleaned_data["interval"]
                )
                result = ingest.readings_import(
                    batch=batch, actor=request.user, keep_good=form.cleaned_data["keep_good"]
                )
            except (ingest.ReadingsInvalid, ingest.ReadingsUnreadable) as exc:
                context.update(_error_report(exc.errors))
                context["refused"] = exc
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                status = 200
                context.update(_error_report(result.errors))
                context["result"] = result
    return render(request, "monitoring/upload.html", context, status=status)


ERRORS_SHOWN = 500
ERRORS_IN_REPORT = 10_000


def _error_report(errors: list) -> dict:
    """The errors shown on the page and the whole report as a CSV download (a data: link)."""
    if not errors:
        return {"errors": [], "error_count": 0}
    report = ingest.errors_as_csv(errors[:ERRORS_IN_REPORT])
    return {
        "errors": errors[:ERRORS_SHOWN],
        "error_count": len(errors),
        "errors_csv": "data:text/csv;charset=utf-8," + quote("\ufeff" + report),
    }


@login_required
@require_GET
def readings_upload_template(request, fmt: str):
    """The upload template (CSV or Excel): the header row and one example row."""
    if not selectors.can_watch_receiver(request.user):
        raise PermissionDenied
    if fmt not in ("csv", "xlsx"):
        raise Http404
    example_station = selectors.stations_visible_to(request.user).filter(is_active=True).order_by("mn").first()
    mn = example_station.mn if example_station else "5A4A000000000000000B0001"
    example = ingest.template_example(mn)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(ingest.template_headers())
        writer.writerow(example)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="readings-template.csv"'
        return response
    return xlsx_response(ingest.template_xlsx(mn), "readings-template.xlsx")
