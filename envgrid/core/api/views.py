from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from envgrid.core.api.serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer, UnitSerializer
from envgrid.core.models import Unit
from envgrid.core.signin import address_rate_exceeded
from envgrid.core.tokens import api_token_issue


class TokenObtainView(APIView):
    """Exchange a username and password for an API token (failed attempts count toward lockout)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        if address_rate_exceeded(request, "token"):
            return Response(
                {
                    "code": "too_many_attempts",
                    "detail": _("Too many sign-in attempts from this address; wait a minute."),
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: axes marks a lockout on it for its middleware to answer.
        credentials = {k: given.validated_data[k] for k in ("username", "password")}
        user = authenticate(request=request._request, **credentials)
        if user is None or not user.is_active:
            return Response(
                {"code": "invalid_credentials", "detail": _("Wrong username or password, or the account is locked.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, key = api_token_issue(user=user, actor=user, name=given.validated_data.get("name") or "API")
        return Response({"token": key, "expires_at": token.expires_at})


class MeView(generics.RetrieveAPIView):
    """The signed-in user: role, unit and grids."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class UnitListView(generics.ListAPIView):
    """Units the user may see."""

    serializer_class = UnitSerializer
    filterset_fields = ["kind", "parent"]

    def get_queryset(self):
        return Unit.objects.visible_to(self.request.user).order_by("sort_order", "name")
