"""The stations and readings API: the same station scope as the web pages, the same ingest as the upload."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from envgrid.core.api.parsers import SafeJSONParser
from envgrid.monitoring import ingest, selectors
from envgrid.monitoring.api import serializers as s
from envgrid.monitoring.api.permissions import CanImportReadings
from envgrid.monitoring.forms import StationFilterSet
from envgrid.monitoring.models import Station


def _time_param(request, name: str):
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        return ingest.parse_time(text, now=timezone.now() + timedelta(days=3660))
    except ValueError as exc:
        raise ValidationError({name: [str(exc)]}) from None


class StationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monitoring stations (监测站点) in the user's scope: control stations for everyone, micro-stations in the
    grids the user may see, all of them for district-wide roles. Filters: ``q``, ``kind``, ``status``,
    ``street``, ``active``."""

    serializer_class = s.StationSerializer
    filterset_class = StationFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Station.objects.none()
        return selectors.stations_visible_to(self.request.user).select_related("grid", "grid__street").order_by("mn")

    def _serialize(self, stations, many: bool):
        rows = {row.station.pk: row for row in selectors.station_rows(list(stations) if many else [stations])}
        return s.StationSerializer(stations, many=many, context={"request": self.request, "rows": rows}).data

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self._serialize(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._serialize(self.get_object(), many=False))

    @extend_schema(
        parameters=[
            OpenApiParameter("interval", str, enum=["minute", "hour", "day"], description="default hour"),
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="ISO 8601; Beijing time without offset"),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="default now (day: end of today)"),
        ],
        responses={200: s.SeriesSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def readings(self, request, pk=None):
        """The station's readings: minute data as stored, hourly and daily rollups with AQI and coverage.
        Defaults: the last 6 hours (minute), 48 hours (hour) or 30 days (day)."""
        try:
            station = self.get_queryset().get(pk=int(pk))
        except (Station.DoesNotExist, ValueError):
            raise Http404 from None
        interval = request.query_params.get("interval", "hour")
        if interval not in selectors.SERIES_INTERVALS:
            raise ValidationError({"interval": [_("Use minute, hour or day.")]})
        try:
            start, end = selectors.series_window(
                interval=interval, start=_time_param(request, "start"), end=_time_param(request, "end")
            )
        except ValueError as exc:
            raise ValidationError({"start": [str(exc)]}) from None
        points = selectors.station_series(station=station, start=start, end=end, interval=interval)
        return Response(
            {
                "station": station.pk,
                "mn": station.mn,
                "interval": interval,
                "start": timezone.localtime(start).isoformat(),
                "end": timezone.localtime(end).isoformat(),
                "count": len(points),
                "points": [selectors.jsonable_point(p) for p in points],
            }
        )


class ReadingIngestView(APIView):
    """Post readings (JSON): a list of ``{mn | station, data_time, [cn | interval], pm25, …, [units]}``.

    Validated row by row; all-or-nothing (400 ``readings_invalid`` with every error, nothing stored) unless
    ``?keep_good=1``, which stores the good rows and returns the bad ones as the report. ``?interval=`` sets the
    default data interval (hour). Readings already stored stay and are counted as duplicates. For
    administrators, dispatchers and data-feed accounts holding the ``monitoring.add_reading`` permission."""

    permission_classes = [CanImportReadings]
    parser_classes = [SafeJSONParser]

    @extend_schema(
        request=s.ReadingIngestRowSerializer(many=True),
        parameters=[
            OpenApiParameter("keep_good", bool, description="store the good rows, report the bad ones"),
            OpenApiParameter("interval", str, enum=list(ingest.INTERVALS), description="default hour"),
        ],
        responses={200: s.ImportResultSerializer, 201: s.ImportResultSerializer},
    )
    def post(self, request):
        items = request.data
        if isinstance(items, dict) and "readings" in items:
            items = items["readings"]
        keep_good = request.query_params.get("keep_good", "").lower() in ("1", "true", "yes")
        interval = request.query_params.get("interval", ingest.DEFAULT_INTERVAL)
        if interval not in ingest.INTERVALS:
            raise ValidationError({"interval": [f"Use one of {', '.join(ingest.INTERVALS)}."]})
        batch = ingest.readings_from_json(items, default_interval=interval)
        result = ingest.readings_import(batch=batch, actor=request.user, keep_good=keep_good)
        answer = s.ImportResultSerializer(result).data
        return Response(answer, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
