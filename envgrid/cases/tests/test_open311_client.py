"""Open311 through real clients over HTTP: the ``georeport`` package from PyPI reads services and
requests from the live test server, in JSON and in XML; POST goes over the wire with ``requests``.

The tests are transactional (the server runs in another thread). An earlier transactional test
may have flushed the category tree the migration seeds, so each test seeds it again (idempotent).
"""

import gc
import threading

import pytest
import requests
from georeport import GeoReport

from envgrid.cases.choices import Channel, RejectReason
from envgrid.cases.models import Case, CaseCategory, CaseSLA
from envgrid.cases.seed import seed_categories
from envgrid.cases.services import case_reject
from envgrid.cases.tests.open311_fixtures import (  # noqa: F401 — fixtures
    REPORTER_EMAIL,
    REPORTER_FIRST,
    REPORTER_LAST,
    REPORTER_NAME,
    REPORTER_PHONE,
    dispatcher,
    partner,
)

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10


@pytest.fixture(autouse=True)
def categories(transactional_db):
    seed_categories(CaseCategory, CaseSLA)


@pytest.fixture
def endpoint(live_server):
    yield f"{live_server.url}/open311/v2"
    # The live server answers each connection in a daemon thread that ends, closing its database
    # connection, only when the client closes the socket. Responses kept alive by a reference cycle (a
    # caught exception's traceback) keep their socket open until collected: collect, then wait for the
    # threads, so none outlives the (shared, in-memory) SQLite connection when the session ends.
    gc.collect()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=5)


def report(endpoint: str, api_key: str, fmt: str = "json", **changes) -> requests.Response:
    data = {
        "api_key": api_key,
        "jurisdiction_id": "example.gov.cn",
        "service_code": "living.waste_burning",
        "lat": "34.7712",
        "long": "113.6871",
        "address_string": "金水区花园路与农业路交叉口",
        "description": "路边有人焚烧垃圾，浓烟很大",
        "first_name": REPORTER_FIRST,
        "last_name": REPORTER_LAST,
        "phone": REPORTER_PHONE,
        "email": REPORTER_EMAIL,
        **changes,
    }
    return requests.post(f"{endpoint}/requests.{fmt}", data=data, timeout=TIMEOUT)


def test_georeport_reads_the_services_in_json_and_xml(endpoint):
    in_json = GeoReport(endpoint, jurisdiction="example.gov.cn").get_service_list()
    in_xml = GeoReport(endpoint, output_format="xml").get_service_list()

    codes = [service["service_code"] for service in in_json]
    assert "living.waste_burning" in codes and "living" not in codes
    assert [service["service_code"] for service in in_xml] == codes
    burning = next(service for service in in_xml if service["service_code"] == "living.waste_burning")
    assert (burning["service_name"], burning["group"], burning["metadata"]) == ("垃圾露天焚烧", "生活源", "false")


def test_georeport_reads_a_service_definition(endpoint):
    definition = GeoReport(endpoint).get_service_definition("living.waste_burning")
    xml_definition = GeoReport(endpoint, output_format="xml").get_service_definition("living.waste_burning")

    assert definition == {"service_code": "living.waste_burning", "attributes": []}
    assert xml_definition["service_code"] == "living.waste_burning"


def test_a_request_posted_over_http_is_read_back_through_georeport(endpoint, partner):
    response = report(endpoint, partner.api_key)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    [answer] = response.json()
    number = answer["service_request_id"]
    case = Case.objects.get(number=number)
    assert (case.channel, case.partner_id, case.reporter_name) == (Channel.CITIZEN, partner.pk, REPORTER_NAME)

    client = GeoReport(endpoint)
    one = client.get_service_request(number)
    listed = client.get_service_requests(service_code="living.waste_burning", status="open")
    by_id = GeoReport(endpoint, output_format="xml").get_service_request(number)

    assert one["service_request_id"] == number and one["status"] == "open"
    assert (one["service_code"], one["lat"], one["long"]) == ("living.waste_burning", 34.7712, 113.6871)
    assert one["description"] == "路边有人焚烧垃圾，浓烟很大"
    assert [r["service_request_id"] for r in listed] == [number]
    assert by_id["service_request_id"] == number and by_id["address"] == "金水区花园路与农业路交叉口"
    for record in (one, by_id):
        assert not {REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL} & {str(value) for value in record.values()}


def test_a_request_posted_in_xml_is_closed_after_rejection(endpoint, partner, dispatcher):
    response = report(endpoint, partner.api_key, fmt="xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    number = response.text.split("<service_request_id>")[1].split("</service_request_id>")[0]
    case_reject(case=Case.objects.get(number=number), actor=dispatcher, reason=RejectReason.INVALID, note="测试")

    closed = GeoReport(endpoint, output_format="xml").get_service_requests(status="closed")
    still_open = GeoReport(endpoint).get_service_requests(status="open")

    assert closed["service_request_id"] == number and closed["status"] == "closed"  # one request: a dict
    assert number not in [r["service_request_id"] for r in still_open]


@pytest.mark.parametrize(("key", "status"), [("", 403), ("wrong-key", 403)])
def test_posting_without_a_valid_key_over_http_is_refused(endpoint, partner, key, status):
    response = report(endpoint, key)

    assert response.status_code == status
    assert response.json() == [{"code": 403, "description": response.json()[0]["description"]}]
    assert not Case.objects.exists()


def test_posting_without_a_location_over_http_is_a_400_error_array(endpoint, partner):
    response = report(endpoint, partner.api_key, fmt="xml", lat="", long="", address_string="")

    assert response.status_code == 400
    assert "<errors><error><code>400</code><description>" in response.text
    assert not Case.objects.exists()


def test_georeport_sees_an_unknown_request_as_an_http_404(endpoint):
    with pytest.raises(requests.HTTPError) as raised:
        GeoReport(endpoint).get_service_request("20990101-000001")
    response = raised.value.response

    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
