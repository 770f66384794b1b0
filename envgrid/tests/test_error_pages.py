"""The error pages a user may meet (403, 404, 500) are Chinese, in the site's layout, with a way back home."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from envgrid.core.choices import Role
from envgrid.core.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def member_client():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(UserFactory(username="err-member", role=Role.GRID_MEMBER))
    return client


@override_settings(DEBUG=False)
def test_404_is_chinese_in_the_layout_with_a_link_home(member_client):
    response = member_client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page
    assert 'class="navbar' in page  # the site's navigation bar: the user is still inside EnvGrid
    assert f'href="{reverse("home")}"' in page


@override_settings(DEBUG=False)
def test_403_is_chinese_in_the_layout_with_a_link_home(member_client):
    response = member_client.get(reverse("api-docs"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "您没有访问此页面的权限" in page and "返回首页" in page and 'class="navbar' in page


@override_settings(DEBUG=False)
def test_500_is_chinese_and_self_contained(django_assert_num_queries):
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    from django.utils import translation

    with translation.override("zh-hans"), django_assert_num_queries(0):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "服务器出现故障" in page and 'href="/"' in page
    assert "/static/" not in page  # nothing that needs another request to work


@override_settings(DEBUG=False)
def test_anonymous_404_has_no_navigation_but_a_way_back():
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/no-such-page/")
    assert response.status_code == 404 and "返回首页" in response.content.decode()
