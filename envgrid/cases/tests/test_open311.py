"""Open311 GeoReport v2 through Django's test client: every endpoint in JSON and XML, the errors in
the spec's shape, the cases that POST files, open/closed from our states, and privacy."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from envgrid.cases.choices import CaseStatus, Channel, RejectReason
from envgrid.cases.models import Case, CaseCategory
from envgrid.cases.open311 import views as open311_views
from envgrid.cases.seed import DEFAULT_CATEGORIES
from envgrid.cases.services import (
    case_accept,
    case_comment,
    case_dispatch,
    case_feedback,
    case_reject,
    case_report,
    case_sign,
    case_verify,
)
from envgrid.cases.tests.open311_fixtures import (  # noqa: F401 — fixtures
    BASE,
    DISPATCHER_NAME,
    FEEDBACK_NOTE,
    HANDLER_NAME,
    INTERNAL_NOTE,
    REPORTER_EMAIL,
    REPORTER_FIRST,
    REPORTER_LAST,
    REPORTER_NAME,
    REPORTER_PHONE,
    bureau,
    dispatcher,
    emission,
    file_request,
    handler,
    hotline_partner,
    partner,
    switched_off_partner,
)

pytestmark = pytest.mark.django_db

LEAF_CODES = [code for code, _name, parent in DEFAULT_CATEGORIES if parent] + ["safety", "other"]


def get(client, path, **params):
    return client.get(f"{BASE}/{path}", params, HTTP_ACCEPT_LANGUAGE="en")


def post(client, path, data):
    return client.post(f"{BASE}/{path}", data, HTTP_ACCEPT_LANGUAGE="en")


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def assert_errors(response, status, *words):
    """The spec's error array in the format the path asked for; each word names what was wrong."""
    assert response.status_code == status
    if response["Content-Type"].startswith("text/xml"):
        root = xml_of(response)
        assert root.tag == "errors"
        errors = [
            {"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root.iter("error")
        ]
    else:
        errors = json_of(response)
    assert errors and all(set(e) == {"code", "description"} and e["code"] == status for e in errors)
    text = " ".join(e["description"] for e in errors)
    for word in words:
        assert word in text
    return errors


def valid_post(partner, **changes):
    data = {
        "api_key": partner.api_key,
        "service_code": "industrial.emission",
        "lat": "34.8051",
        "long": "113.6302",
        "address_string": "金水区经八路 12 号",
        "description": "化工厂烟囱夜间冒黄烟\n气味刺鼻",
        "first_name": REPORTER_FIRST,
        "last_name": REPORTER_LAST,
        "phone": REPORTER_PHONE,
        "email": REPORTER_EMAIL,
        "device_id": "device-42",
        "account_id": "acct-7",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- discovery and services ----------------------------------------------------------------------


def test_discovery_json_points_at_this_server_and_lists_both_formats(client):
    document = json_of(get(client, "discovery.json"))

    assert {"changeset", "contact", "key_service", "endpoints"} <= set(document)
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


def test_discovery_xml_has_the_same_document(client):
    root = xml_of(get(client, "discovery.xml"))

    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("key_service")


def test_the_root_of_the_endpoint_serves_the_discovery_document(client):
    assert json_of(client.get(f"{BASE}/", HTTP_ACCEPT_LANGUAGE="en")) == json_of(get(client, "discovery.json"))


def test_services_are_the_active_leaf_categories_grouped_by_family(client):
    services = json_of(get(client, "services.json"))

    assert [s["service_code"] for s in services] == LEAF_CODES
    road = next(s for s in services if s["service_code"] == "dust.road")
    assert road == {
        "service_code": "dust.road",
        "service_name": "道路扬尘",
        "description": "道路扬尘",
        "metadata": False,
        "type": "realtime",
        "keywords": "扬尘源, dust.road",
        "group": "扬尘源",
    }
    assert next(s for s in services if s["service_code"] == "safety")["group"] == "安全隐患"


def test_services_leave_out_inactive_categories_and_the_children_of_an_inactive_family(client):
    CaseCategory.objects.filter(code__in=["dust.road", "coal"]).update(is_active=False)

    codes = [s["service_code"] for s in json_of(get(client, "services.json"))]

    assert "dust.road" not in codes and "dust.site" in codes
    assert not [code for code in codes if code.startswith("coal")]


def test_services_xml_lists_the_same_services(client):
    root = xml_of(get(client, "services.xml"))

    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == LEAF_CODES
    first = root.find("service")
    assert first.findtext("metadata") == "false" and first.findtext("type") == "realtime"
    assert first.findtext("group") == "工业源"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_has_no_extra_attributes(client, fmt):
    response = get(client, f"services/dust.muck_truck.{fmt}")

    if fmt == "json":
        assert json_of(response) == {"service_code": "dust.muck_truck", "attributes": []}
    else:
        root = xml_of(response)
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "dust.muck_truck"
        assert list(root.find("attributes")) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["no.such.thing", "dust"])
def test_service_definition_of_an_unknown_code_or_a_family_is_a_404_error(client, fmt, code):
    assert_errors(get(client, f"services/{code}.{fmt}"), 404, code)


def test_an_unknown_resource_or_format_answers_with_the_error_array(client):
    assert_errors(get(client, "tokens/123.xml"), 404, "tokens/123.xml")
    assert_errors(get(client, "services.html"), 404, "services.html")


# --- POST requests -------------------------------------------------------------------------------


def test_post_files_a_case_from_the_partners_channel(client, partner):
    response = post(client, "requests.json", valid_post(partner))

    assert response.status_code == 200
    [answer] = json_of(response)
    assert set(answer) == {"service_request_id", "service_notice"}
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.channel == Channel.CITIZEN and case.partner == partner and case.reporter is None
    assert case.status == CaseStatus.REPORTED
    assert case.category.code == "industrial.emission"
    assert case.title == "废气超标排放: 化工厂烟囱夜间冒黄烟"
    assert case.description == "化工厂烟囱夜间冒黄烟\n气味刺鼻"
    assert (case.lat, case.lon, case.address) == (34.8051, 113.6302, "金水区经八路 12 号")
    assert (case.reporter_name, case.reporter_phone) == (REPORTER_NAME, REPORTER_PHONE)
    assert case.number in answer["service_notice"]


def test_post_from_the_hotline_platform_files_a_hotline_case(client, hotline_partner):
    response = post(client, "requests.json", valid_post(hotline_partner))

    case = Case.objects.get(number=json_of(response)[0]["service_request_id"])
    assert case.channel == Channel.HOTLINE and case.partner == hotline_partner


def test_post_xml_answers_with_service_requests(client, partner):
    root = xml_of(post(client, "requests.xml", valid_post(partner)))

    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert Case.objects.filter(number=number).exists()
    assert root.findtext("request/service_notice")


def test_post_keeps_the_photo_link_in_the_description_and_drops_the_email(client, partner):
    data = valid_post(partner, media_url="https://img.example.com/p/1.jpg", description="黑烟")

    number = json_of(post(client, "requests.json", data))[0]["service_request_id"]

    case = Case.objects.get(number=number)
    assert case.description.startswith("黑烟\n\n") and case.description.endswith("https://img.example.com/p/1.jpg")
    assert case.title == "废气超标排放: 黑烟"
    assert REPORTER_EMAIL not in str(Case.objects.filter(pk=case.pk).values().get())


def test_post_with_an_address_only_is_enough(client, partner):
    response = post(client, "requests.json", valid_post(partner, lat=None, long=None))

    case = Case.objects.get(number=json_of(response)[0]["service_request_id"])
    assert (case.lat, case.lon, case.address) == (None, None, "金水区经八路 12 号")


def test_post_is_exempt_from_csrf(partner):
    response = Client(enforce_csrf_checks=True).post(f"{BASE}/requests.json", valid_post(partner))

    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_post_without_a_valid_api_key_is_403_and_files_nothing(client, partner, fmt, key):
    assert_errors(post(client, f"requests.{fmt}", valid_post(partner, api_key=key)), 403, "api_key")

    assert not Case.objects.exists()


def test_post_with_a_switched_off_partners_key_is_403(client, switched_off_partner):
    assert_errors(post(client, "requests.json", valid_post(switched_off_partner)), 403, "api_key")

    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service_code": None}, "service_code"),
        ({"lat": None, "long": None, "address_string": None}, "address_string"),
        ({"lat": "north"}, "lat"),
        ({"lat": "95"}, "lat"),
        ({"long": "-181"}, "long"),
        ({"lat": "nan"}, "lat"),
        ({"long": None}, "long"),
        ({"lat": None, "long": None, "address_string": None, "address_id": "A-1"}, "address_id"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"email": "not-an-address"}, "email"),
        ({"description": "x" * 4001}, "description"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_with_a_bad_argument_is_400_naming_it_and_files_nothing(client, partner, changes, field, fmt):
    assert_errors(post(client, f"requests.{fmt}", valid_post(partner, **changes)), 400, field)

    assert not Case.objects.exists()


@pytest.mark.parametrize("code", ["no.such.thing", "industrial"])
def test_post_with_an_unknown_service_code_is_404_and_files_nothing(client, partner, code):
    assert_errors(post(client, "requests.json", valid_post(partner, service_code=code)), 404, code)

    assert not Case.objects.exists()


def test_put_is_not_allowed(client):
    response = client.put(f"{BASE}/requests.json")

    assert_errors(response, 405)
    assert response["Allow"] == "GET, HEAD, POST"


# --- GET requests --------------------------------------------------------------------------------


def test_get_request_shows_the_public_fields_of_an_open_request(client, file_request):
    case = file_request(address_string="经八路 12 号", description="夜间冒黄烟")

    [record] = json_of(get(client, f"requests/{case.number}.json"))

    assert record == {
        "service_request_id": case.number,
        "status": "open",
        "status_notes": None,
        "service_name": "废气超标排放",
        "service_code": "industrial.emission",
        "description": "夜间冒黄烟",
        "agency_responsible": None,
        "service_notice": "Received; awaiting review by the command center.",
        "requested_datetime": timezone.localtime(case.created_at).isoformat(timespec="seconds"),
        "updated_datetime": timezone.localtime(case.updated_at).isoformat(timespec="seconds"),
        "expected_datetime": None,
        "address": "经八路 12 号",
        "address_id": None,
        "zipcode": None,
        "lat": 34.8,
        "long": 113.6,
        "media_url": None,
    }
    assert record["requested_datetime"].endswith("+08:00")


def test_get_request_xml_has_every_field(client, file_request):
    case = file_request()

    root = xml_of(get(client, f"requests/{case.number}.xml"))

    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("service_request_id") == case.number
    assert request.findtext("status") == "open"
    assert request.findtext("lat") == "34.8" and request.findtext("long") == "113.6"
    assert request.find("status_notes").text is None
    assert [child.tag for child in request] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_unknown_request_is_a_404_error(client, fmt):
    assert_errors(get(client, f"requests/20990101-000001.{fmt}"), 404, "20990101-000001")


def test_a_dispatched_request_shows_the_lead_unit_and_deadline(client, file_request, dispatcher, bureau):
    case = file_request()
    case = case_accept(case=case, actor=dispatcher)
    case = case_dispatch(case=case, actor=dispatcher, lead_unit=bureau)

    [record] = json_of(get(client, f"requests/{case.number}.json"))

    assert record["status"] == "open"
    assert record["agency_responsible"] == bureau.name
    assert record["expected_datetime"] == timezone.localtime(case.due_at).isoformat(timespec="seconds")
    assert record["service_notice"] == "Being handled by the responsible unit."


def test_a_closed_case_is_closed_with_a_public_note(client, file_request, dispatcher, handler, bureau):
    case = file_request()
    case = case_accept(case=case, actor=dispatcher)
    case = case_dispatch(case=case, actor=dispatcher, lead_unit=bureau)
    case = case_sign(case=case, actor=handler)
    case = case_feedback(case=case, actor=handler, note=FEEDBACK_NOTE)
    case = case_verify(case=case, actor=dispatcher, passed=True, note="核查员甲乙丙确认通过")

    [record] = json_of(get(client, f"requests/{case.number}.json"))

    assert (record["status"], record["status_notes"]) == ("closed", "Case closed")
    assert record["updated_datetime"] == timezone.localtime(case.closed_at).isoformat(timespec="seconds")


def test_a_rejected_case_is_closed_with_the_kind_of_rejection_not_the_note(client, file_request, dispatcher):
    case = file_request()
    case = case_reject(case=case, actor=dispatcher, reason=RejectReason.NOT_OURS, note=INTERNAL_NOTE)

    [record] = json_of(get(client, f"requests/{case.number}.json"))

    assert (record["status"], record["status_notes"]) == ("closed", "Not our business")
    assert record["service_notice"] == "Not accepted."


def test_a_duplicate_names_the_original_request(client, file_request, dispatcher):
    original, copy = file_request(), file_request()
    copy = case_reject(case=copy, actor=dispatcher, reason=RejectReason.DUPLICATE, note="重复", duplicate_of=original)

    [record] = json_of(get(client, f"requests/{copy.number}.json"))

    assert record["status_notes"] == f"Duplicate of request {original.number}"


def test_requests_list_filters_by_status(client, file_request, dispatcher):
    still_open, rejected = file_request(), file_request()
    rejected = case_reject(case=rejected, actor=dispatcher, reason=RejectReason.INVALID, note="无效")

    def numbers(**params):
        return [r["service_request_id"] for r in json_of(get(client, "requests.json", **params))]

    assert numbers() == [rejected.number, still_open.number]
    assert numbers(status="open") == [still_open.number]
    assert numbers(status="closed") == [rejected.number]
    assert numbers(status="open,closed") == [rejected.number, still_open.number]


def test_requests_list_filters_by_service_code_and_id(client, file_request):
    emission, road, dump = file_request(), file_request("dust.road"), file_request("river.dump")

    def numbers(**params):
        return {r["service_request_id"] for r in json_of(get(client, "requests.json", **params))}

    assert numbers(service_code="dust.road,river.dump") == {road.number, dump.number}
    assert numbers(service_code=["dust.road", "river.dump"]) == {road.number, dump.number}
    assert numbers(service_request_id=f"{emission.number}, {dump.number}") == {emission.number, dump.number}
    # service_request_id overrides the other filters.
    assert numbers(service_request_id=emission.number, service_code="dust.road") == {emission.number}


def test_requests_list_defaults_to_the_last_90_days(client, file_request):
    recent, old = file_request(), file_request()
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=91))

    listed = [r["service_request_id"] for r in json_of(get(client, "requests.json"))]
    by_dates = json_of(get(client, "requests.json", start_date="2020-01-01T00:00:00Z", end_date="2020-03-01"))
    by_id = json_of(get(client, "requests.json", service_request_id=old.number))

    assert listed == [recent.number]
    assert by_dates == []
    assert [r["service_request_id"] for r in by_id] == [old.number]


def test_requests_list_takes_a_window_by_w3_dates(client, file_request):
    case = file_request()
    Case.objects.filter(pk=case.pk).update(created_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))

    def numbers(**params):
        return [r["service_request_id"] for r in json_of(get(client, "requests.json", **params))]

    assert numbers(start_date="2026-03-01T09:00:00Z", end_date="2026-03-01T10:00:00Z") == [case.number]
    assert numbers(start_date="2026-03-01T18:00:00+08:00", end_date="2026-03-02T00:00:00+08:00") == []
    assert numbers(start_date="2026-02-15") == [case.number]
    assert numbers(end_date="2026-03-01T09:00:00Z") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-02-30"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_request_id": ",".join(str(n) for n in range(1001))}, "service_request_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_list_with_a_bad_filter_is_400_naming_it(client, params, field, fmt):
    assert_errors(get(client, f"requests.{fmt}", **params), 400, field)


def test_requests_list_returns_at_most_the_limit_newest_first(client, file_request, monkeypatch):
    cases = [file_request() for _ in range(3)]
    monkeypatch.setattr(open311_views, "MAX_REQUESTS", 2)

    listed = [r["service_request_id"] for r in json_of(get(client, "requests.json"))]

    assert listed == [cases[2].number, cases[1].number]


def test_requests_list_takes_one_query_however_many_requests(
    client, file_request, dispatcher, bureau, django_assert_num_queries
):
    for _ in range(5):
        case = file_request()
        case = case_accept(case=case, actor=dispatcher)
        case = case_dispatch(case=case, actor=dispatcher, lead_unit=bureau)
    duplicate = file_request()
    duplicate = case_reject(
        case=duplicate, actor=dispatcher, reason=RejectReason.DUPLICATE, note="重复", duplicate_of=case
    )

    with django_assert_num_queries(1):
        response = get(client, "requests.xml")

    assert len(xml_of(response).findall("request")) == 6


def test_requests_list_xml_lists_the_same_requests(client, file_request):
    cases = [file_request(), file_request("dust.road")]

    root = xml_of(get(client, "requests.xml"))

    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [c.number for c in reversed(cases)]


# --- privacy -------------------------------------------------------------------------------------


def test_open311_shows_only_requests_filed_through_open311(client, emission, dispatcher):
    internal = case_report(
        reporter=dispatcher, title="内部线索", category=emission, description="内部", lat=34.8, lon=113.6
    )

    assert json_of(get(client, "requests.json")) == []
    assert_errors(get(client, f"requests/{internal.number}.json"), 404)
    assert json_of(get(client, "requests.json", service_request_id=internal.number)) == []


def test_the_description_masks_contact_details_the_citizen_typed(client, file_request):
    description = f"我是{REPORTER_NAME}，电话 {REPORTER_PHONE}，座机 0371-65551234，邮箱 {REPORTER_EMAIL}，黑烟很大"
    case = file_request(name=REPORTER_NAME, phone=REPORTER_PHONE, description=description)

    [record] = json_of(get(client, f"requests/{case.number}.json"))

    assert record["description"] == "我是***，电话 ***，座机 ***，邮箱 ***，黑烟很大"


def test_no_personal_data_or_internal_note_in_any_open311_answer(client, partner, dispatcher, handler, bureau):
    """A closed case with the reporter's name, phone and e-mail, staff names and internal notes on
    its timeline, and a rejected one with an internal reason: none of it shows, in any format."""
    response = post(client, "requests.json", valid_post(partner, description="冒黄烟"))
    closed = Case.objects.get(number=json_of(response)[0]["service_request_id"])
    closed = case_accept(case=closed, actor=dispatcher, note=INTERNAL_NOTE)
    closed = case_comment(case=closed, actor=dispatcher, note=INTERNAL_NOTE)
    closed = case_dispatch(case=closed, actor=dispatcher, lead_unit=bureau, note=INTERNAL_NOTE)
    closed = case_sign(case=closed, actor=handler)
    closed = case_feedback(case=closed, actor=handler, note=FEEDBACK_NOTE)
    closed = case_verify(case=closed, actor=dispatcher, passed=True, note=INTERNAL_NOTE)
    response = post(client, "requests.json", valid_post(partner, description="又冒烟了"))
    rejected = Case.objects.get(number=json_of(response)[0]["service_request_id"])
    rejected = case_reject(case=rejected, actor=dispatcher, reason=RejectReason.INVALID, note=INTERNAL_NOTE)
    assert Case.objects.get(pk=closed.pk).status == CaseStatus.CLOSED
    assert (closed.reporter_name, closed.reporter_phone) == (REPORTER_NAME, REPORTER_PHONE)

    secrets = [
        REPORTER_NAME,
        REPORTER_PHONE,
        REPORTER_EMAIL,
        "device-42",
        "acct-7",
        DISPATCHER_NAME,
        HANDLER_NAME,
        "o311-dispatcher",
        "o311-handler",
        INTERNAL_NOTE,
        FEEDBACK_NOTE,
        "甲乙丙",
        partner.api_key,
        partner.name,
    ]
    paths = [
        "discovery",
        "services",
        "services/industrial.emission",
        "requests",
        f"requests/{closed.number}",
        f"requests/{rejected.number}",
    ]
    for path in paths:
        for fmt in ("json", "xml"):
            for language in ("en", "zh-hans"):
                response = client.get(f"{BASE}/{path}.{fmt}", HTTP_ACCEPT_LANGUAGE=language)
                assert response.status_code == 200, path
                body = response.content.decode()
                leaked = [secret for secret in secrets if secret in body]
                assert leaked == [], f"{path}.{fmt} shows {leaked}"
    listed = json_of(get(client, "requests.json"))
    assert {r["service_request_id"] for r in listed} == {closed.number, rejected.number}
    assert {r["description"] for r in listed} == {"冒黄烟", "又冒烟了"}
