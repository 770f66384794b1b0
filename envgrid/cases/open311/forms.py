"""The arguments of Open311 calls, checked. Each error names the argument it is about, because it is
shown to a partner system's developer (and, through their app, to the citizen)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from envgrid.cases.open311.selectors import MAX_REQUESTS, MAX_WINDOW
from envgrid.grids.lookup import point_in_district

#: The spec limits a description to 4,000 characters.
MAX_DESCRIPTION = 4000
#: Room for the name in ``Case.reporter_name``.
MAX_REPORTER_NAME = 50


def form_errors(form: forms.Form) -> list[str]:
    """One line per problem, each starting with the argument's name."""
    lines = []
    for field, messages in form.errors.items():
        for message in messages:
            lines.append(message if field == forms.forms.NON_FIELD_ERRORS else f"{field}: {message}")
    return lines


def split_values(value: str) -> list[str]:
    """A comma-separated argument as its values, blanks dropped."""
    return [part.strip() for part in value.split(",") if part.strip()]


class ServiceRequestForm(forms.Form):
    """POST requests: one citizen report. A location is required: lat and long together, or an
    address_string. address_id is refused: the district has no master address register."""

    service_code = forms.CharField(max_length=40)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=200)
    address_id = forms.CharField(required=False)
    description = forms.CharField(required=False, max_length=MAX_DESCRIPTION)
    media_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    first_name = forms.CharField(required=False, max_length=MAX_REPORTER_NAME)
    last_name = forms.CharField(required=False, max_length=MAX_REPORTER_NAME)
    phone = forms.CharField(required=False, max_length=30)
    email = forms.EmailField(required=False)
    device_id = forms.CharField(required=False, max_length=200)
    account_id = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("long")
        has_lat, has_lon = self._given("lat"), self._given("long")
        if has_lat != has_lon:
            self.add_error(None, _("lat and long: send both, or neither."))
        elif not (has_lat or has_lon) and not data.get("address_string"):
            if data.get("address_id"):
                self.add_error("address_id", _("Not supported here: send lat and long, or address_string."))
            elif "lat" not in self.errors and "long" not in self.errors and "address_string" not in self.errors:
                self.add_error(None, _("A location is required: lat and long, or address_string."))
        if lat is not None and lon is not None and lat == 0 and lon == 0:
            self.add_error("lat", _("0, 0 is not a place in the district: check lat and long."))
        elif lat is not None and lon is not None and not point_in_district(lon, lat):
            self.add_error(
                "lat",
                _("lat %(lat)s, long %(lon)s is outside the district this endpoint serves: check lat and long.")
                % {"lat": lat, "lon": lon},
            )
        if len(self.reporter_name(data)) > MAX_REPORTER_NAME:
            self.add_error(
                "last_name",
                _("first_name and last_name together may have at most %(n)d characters.") % {"n": MAX_REPORTER_NAME},
            )
        return data

    def _given(self, name: str) -> bool:
        """Whether the argument was sent (valid or not): an empty value counts as not sent (spec)."""
        return bool(self.data.get(name, "").strip())

    @staticmethod
    def reporter_name(data: dict) -> str:
        """The reporter's name in the order people write it: a Chinese name family name first and
        without a space (张 + 三 = 张三), others given name first."""
        first, last = data.get("first_name") or "", data.get("last_name") or ""
        if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()


def _w3_datetime(value: str) -> dt.datetime | None:
    """A W3C date or date-time; a value without a time zone is read in the district's."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            return None
        moment = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class W3DateTimeField(forms.CharField):
    default_error_messages = {"invalid": gettext_lazy("Use the W3C date format, e.g. 2026-01-01T00:00:00+08:00.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            moment = _w3_datetime(value)
        except ValueError:  # well-formed but impossible, such as 2026-02-30
            moment = None
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return moment


class ServiceRequestQueryForm(forms.Form):
    """GET requests: the filters. Without dates the window is the last 90 days; with one date it is
    the 90 days from (or up to) it; two dates may not be more than 90 days apart. service_request_id
    overrides every other filter."""

    service_request_id = forms.CharField(required=False)
    service_code = forms.CharField(required=False)
    start_date = W3DateTimeField(required=False)
    end_date = W3DateTimeField(required=False)
    status = forms.CharField(required=False)

    def clean_status(self):
        statuses = split_values(self.cleaned_data["status"].lower())
        unknown = [s for s in statuses if s not in ("open", "closed")]
        if unknown:
            raise forms.ValidationError(_("Use open or closed, not %(value)s.") % {"value": ", ".join(unknown)})
        return statuses

    def clean(self):
        data = super().clean()
        data["service_request_id"] = split_values(data.get("service_request_id") or "")
        data["service_code"] = split_values(data.get("service_code") or "")
        if len(data["service_request_id"]) > MAX_REQUESTS:
            self.add_error("service_request_id", _("At most %(n)d ids at once.") % {"n": MAX_REQUESTS})
        if self.errors or data["service_request_id"]:
            return data
        start, end = data.get("start_date"), data.get("end_date")
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_WINDOW
        if end is None:
            end = start + MAX_WINDOW
        if end < start:
            self.add_error("end_date", _("end_date is earlier than start_date."))
        elif end - start > MAX_WINDOW:
            self.add_error("end_date", _("start_date and end_date may be at most 90 days apart."))
        data["start_date"], data["end_date"] = start, end
        return data
