from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from envgrid.core.forms import LoginForm
from envgrid.core.hooks import hooks
from envgrid.core.signin import address_rate_exceeded, too_many_attempts


@login_required
def home(request):
    """The user's own work counts, from every app that registered a provider."""
    counts = [count for provider in hooks.home for count in provider(request.user)]
    return render(request, "core/home.html", {"counts": counts})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if address_rate_exceeded(request, "login"):
            return too_many_attempts(request)
        return super().post(request, *args, **kwargs)
