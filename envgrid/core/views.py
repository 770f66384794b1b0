from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from envgrid.core.forms import LoginForm
from envgrid.core.hooks import hooks
from envgrid.core.signin import address_rate_exceeded, too_many_attempts
from envgrid.core.tokens import api_token_issue, api_token_revoke, api_tokens_of


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


@login_required
def api_tokens(request):
    """The user's API tokens: when each was made, last used and expires; a new one is shown once, here."""
    new_key = None
    if request.method == "POST":
        if request.user.is_read_only:
            raise PermissionDenied
        name = request.POST.get("name", "").strip()
        _token, new_key = api_token_issue(user=request.user, actor=request.user, name=name or gettext("API"))
    tokens = api_tokens_of(request.user)
    return render(request, "core/api_tokens.html", {"tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    """Revoke one of the user's own tokens."""
    token = get_object_or_404(api_tokens_of(request.user), pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, gettext("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("api-tokens")
