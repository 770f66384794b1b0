"""Fixtures of the Open311 tests: partner systems, the people of a small closed loop, and a helper
that files a request through the Open311 service. Import them by name in the test module."""

import pytest
from django.utils import translation

from envgrid.cases.choices import Channel
from envgrid.cases.models import CaseCategory
from envgrid.cases.open311.selectors import open311_service
from envgrid.cases.open311.services import open311_partner_create, open311_request_file
from envgrid.core.choices import Role
from envgrid.core.models import Unit
from envgrid.core.tests.factories import UserFactory

BASE = "/open311/v2"
#: Personal data of the citizen and internal words of the staff that Open311 must never show.
REPORTER_FIRST, REPORTER_LAST = "小明", "王"
REPORTER_NAME = "王小明"
REPORTER_PHONE = "13912345678"
REPORTER_EMAIL = "wangxm@example.com"
DISPATCHER_NAME = "调度员李四"
HANDLER_NAME = "处置员赵六"
INTERNAL_NOTE = "内部备注：举报人系该厂前员工"
FEEDBACK_NOTE = "已责令停产整改，负责人钱七签字"


@pytest.fixture
def english():
    """Server-side messages in English whatever LANGUAGE_CODE says (requests also send Accept-Language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def partner(db):
    return open311_partner_create(actor=None, name="随手拍 App", channel=Channel.CITIZEN)


@pytest.fixture
def hotline_partner(db):
    return open311_partner_create(actor=None, name="12345 热线平台", channel=Channel.HOTLINE)


@pytest.fixture
def switched_off_partner(db):
    return open311_partner_create(actor=None, name="旧版小程序", channel=Channel.CITIZEN, is_active=False)


@pytest.fixture
def emission(db) -> CaseCategory:
    return CaseCategory.objects.get(code="industrial.emission")


@pytest.fixture
def bureau(db) -> Unit:
    return Unit.objects.create(name="生态环境分局执法大队")


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="o311-dispatcher", display_name=DISPATCHER_NAME, role=Role.DISPATCHER, unit=None)


@pytest.fixture
def handler(bureau):
    return UserFactory(username="o311-handler", display_name=HANDLER_NAME, role=Role.UNIT_STAFF, unit=bureau)


@pytest.fixture
def file_request(partner):
    """File a citizen request as the partner system would, straight through the Open311 service."""

    def file(code="industrial.emission", *, by=None, name="", **data):
        data = {"lat": 34.8, "long": 113.6, "description": "烟囱冒黄烟", **data}
        return open311_request_file(partner=by or partner, service=open311_service(code), data=data, reporter_name=name)

    return file
