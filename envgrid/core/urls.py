from django.contrib.auth import views as auth_views
from django.urls import path

from envgrid.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/tokens/", views.api_tokens, name="api-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
]
