"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Plain Django views, so the formats and errors are exactly the spec's: every answer is JSON or XML
by the path's extension, every error the array of ``{code, description}`` with the HTTP status as
code (403 a missing or wrong api_key, 404 an unknown resource, 400 anything else). Reading needs no
api_key; filing a request needs a partner system's. One jurisdiction is served, so
``jurisdiction_id`` is accepted and ignored. Services carry no extra attributes: every service
definition has an empty attribute list, and ``metadata`` is false.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from envgrid.cases.choices import FINAL_STATUSES
from envgrid.cases.open311.forms import ServiceRequestForm, ServiceRequestQueryForm, form_errors
from envgrid.cases.open311.renderers import MIME_TYPES, render, render_errors
from envgrid.cases.open311.selectors import (
    MAX_REQUESTS,
    open311_partner_by_key,
    open311_service,
    open311_services,
    public_cases,
    request_record,
)
from envgrid.cases.open311.services import open311_request_file
from envgrid.core.errors import IdempotencyConflict
from envgrid.core.idempotency import idempotent, request_fingerprint

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: When this implementation's discovery document and service model last changed (sortable).
CHANGESET = "2026-11-27T00:00:00+08:00"
READ_METHODS = ("GET", "HEAD")

# Case fields that the model's own checks may refuse, by the Open311 argument they came from.
_ARGUMENT_OF_FIELD = {"lon": "long", "address": "address_string", "reporter_name": "last_name"}


def _method_not_allowed(fmt: str, allowed: tuple[str, ...]) -> HttpResponse:
    response = render_errors(fmt, 405, [_("Method not allowed here: use %(m)s.") % {"m": ", ".join(allowed)}])
    response["Allow"] = ", ".join(allowed)
    return response


def _endpoint_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311-root")).rstrip("/")


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service discovery: where the endpoint is, what it speaks, and whom to ask for a key."""
    if request.method not in READ_METHODS:
        return _method_not_allowed(fmt, READ_METHODS)
    document = {
        "changeset": CHANGESET,
        "contact": _("The district's environmental grid command center; ask its system administrator."),
        "key_service": _("Partner systems get an api_key from the district's system administrator (Open311 partners)."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _endpoint_url(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": MIME_TYPES,
            }
        ],
    }
    return render(document, fmt, root="discovery")


def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services: the active leaf categories of the case category tree."""
    if request.method not in READ_METHODS:
        return _method_not_allowed(fmt, READ_METHODS)
    return render([service.as_dict() for service in open311_services()], fmt, root="services")


def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    """GET a service definition: no extra attributes are asked for any service."""
    if request.method not in READ_METHODS:
        return _method_not_allowed(fmt, READ_METHODS)
    service = open311_service(service_code)
    if service is None:
        return render_errors(fmt, 404, [_("service_code %(code)s was not found.") % {"code": service_code}])
    return render({"service_code": service.code, "attributes": []}, fmt, root="service_definition")


@csrf_exempt
def requests_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET requests (public) or POST a new request (with a partner's api_key)."""
    if request.method == "POST":
        return _request_create(request, fmt)
    if request.method not in READ_METHODS:
        return _method_not_allowed(fmt, ("GET", "HEAD", "POST"))
    return _request_list(request, fmt)


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    api_key = request.POST.get("api_key", "").strip()
    if not api_key:
        return render_errors(fmt, 403, [_("api_key is missing: a partner system's key is required to file requests.")])
    partner = open311_partner_by_key(api_key)
    if partner is None:
        return render_errors(fmt, 403, [_("api_key is not valid, or its partner system is switched off.")])
    form = ServiceRequestForm(request.POST)
    if not form.is_valid():
        return render_errors(fmt, 400, form_errors(form))
    data = form.cleaned_data
    service = open311_service(data["service_code"])
    if service is None:
        return render_errors(fmt, 404, [_("service_code %(code)s was not found.") % {"code": data["service_code"]}])

    def file() -> dict:
        case = open311_request_file(partner=partner, service=service, data=data, reporter_name=form.reporter_name(data))
        return {"number": case.number}

    # A retry of the same request (the partner's Idempotency-Key header, or its own request id) files nothing new.
    key = request.headers.get("Idempotency-Key") or request.POST.get("partner_request_id", "")
    try:
        if key:
            sent = {k: v for k, v in request.POST.lists() if k != "api_key"}
            fingerprint = request_fingerprint(sent)
            filed, _replayed = idempotent(scope=f"open311:{partner.pk}", key=key, fingerprint=fingerprint, run=file)
        else:
            filed = file()
    except ValidationError as exc:
        return render_errors(fmt, 400, _model_errors(exc))
    except IdempotencyConflict as exc:
        return render_errors(fmt, 400, [exc.message])
    number = filed["number"]
    notice = _("Received as request %(number)s. The command center reviews it and sends it to the responsible unit.")
    answer = [{"service_request_id": number, "service_notice": notice % {"number": number}}]
    return render(answer, fmt, root="service_requests")


def _model_errors(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return [str(message) for message in exc.messages]
    return [
        f"{_ARGUMENT_OF_FIELD.get(field, field)}: {message}"
        for field, errors in exc.error_dict.items()
        for error in errors
        for message in error.messages
    ]


def _request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    # A filter "can be declared multiple times" (spec): service_code=a&service_code=b is a,b.
    form = ServiceRequestQueryForm({name: ",".join(request.GET.getlist(name)) for name in request.GET})
    if not form.is_valid():
        return render_errors(fmt, 400, form_errors(form))
    query = form.cleaned_data
    cases = public_cases()
    if query["service_request_id"]:
        cases = cases.filter(number__in=query["service_request_id"])
    else:
        cases = cases.filter(created_at__gte=query["start_date"], created_at__lte=query["end_date"])
        if query["service_code"]:
            cases = cases.filter(category__code__in=query["service_code"])
        if len(set(query["status"])) == 1:
            closed = Q(status__in=FINAL_STATUSES)
            cases = cases.filter(closed if query["status"][0] == "closed" else ~closed)
    records = [request_record(case) for case in cases.order_by("-created_at", "-id")[:MAX_REQUESTS]]
    return render(records, fmt, root="service_requests")


def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    """GET one request by its id (the case number)."""
    if request.method not in READ_METHODS:
        return _method_not_allowed(fmt, READ_METHODS)
    case = public_cases().filter(number=service_request_id).first()
    if case is None:
        return render_errors(fmt, 404, [_("service_request_id %(id)s was not found.") % {"id": service_request_id}])
    return render([request_record(case)], fmt, root="service_requests")


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    """Anything else under /open311/v2/: the spec's 404, in XML when the path asks for it."""
    fmt = "xml" if path.endswith(".xml") else "json"
    return render_errors(fmt, 404, [_("No such Open311 resource: %(path)s") % {"path": path}])
