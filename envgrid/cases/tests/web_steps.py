"""Steps of the closed loop and page readers shared by the cases web tests."""

import pytest

from envgrid.cases import services
from envgrid.cases.tests.conftest import jpeg

HTMX = {"HTTP_HX_REQUEST": "true"}


def accepted(case, users):
    return services.case_accept(case=case, actor=users["dispatcher"])


def dispatched(case, users, **options):
    accepted(case, users)
    return services.case_dispatch(case=case, actor=users["dispatcher"], **options)


def signed(case, users):
    dispatched(case, users)
    return services.case_sign(case=case, actor=users["unit_staff"])


def fed_back(case, users):
    signed(case, users)
    return services.case_feedback(case=case, actor=users["unit_staff"], note="已责令停产整改", files=[jpeg("done.jpg")])


@pytest.fixture
def loop(make_case, users):
    """One case at each stage of the loop, all reported by the grid member in their grid."""
    return {
        "reported": make_case(title="待受理"),
        "accepted": accepted(make_case(title="待派遣"), users),
        "dispatched": dispatched(make_case(title="待签收"), users),
        "signed": signed(make_case(title="处置中"), users),
        "fed_back": fed_back(make_case(title="待核查"), users),
    }


def tab_counts(response) -> dict[str, int]:
    return {queue.key: count for queue, count in response.context["tabs"]}


def listed(response) -> set[str]:
    return {case.number for case in response.context["page"]}
