import pytest
from django.urls import reverse

from envgrid.core.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_speaks_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "环境网格化治理平台" in html
    assert "登录" in html


def test_login_page_in_english_when_asked(client):
    response = client.get(reverse("login"), headers={"accept-language": "en"})
    # LocaleMiddleware honours the browser's language; the default stays Chinese
    assert "Sign in" in response.content.decode()


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_successful_login_lands_on_home(client):
    UserFactory(username="zhang")
    response = client.post(reverse("login"), {"username": "zhang", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"].username == "zhang"


def test_wrong_password_shows_an_error_and_does_not_log_in(client):
    UserFactory(username="zhang")
    response = client.post(reverse("login"), {"username": "zhang", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "alert-danger" in response.content.decode()


def test_repeated_failures_lock_the_account_even_with_the_right_password(client):
    # Given the test limit of 3 failures (settings_test.AXES_FAILURE_LIMIT)
    UserFactory(username="zhang")
    for _ in range(3):
        client.post(reverse("login"), {"username": "zhang", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    # When the right password comes next from the same address
    response = client.post(reverse("login"), {"username": "zhang", "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.5")
    # Then the account is locked and nobody is logged in
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_post_and_ends_the_session(client):
    user = UserFactory(username="zhang")
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_requires_the_old_password(client):
    user = UserFactory(username="zhang")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Xq7-green-grid", "new_password2": "Xq7-green-grid"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)

    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Xq7-green-grid", "new_password2": "Xq7-green-grid"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Xq7-green-grid")
