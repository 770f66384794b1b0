"""API sign-in with an EnvGrid token: ``Authorization: Token <key>``, checked by ``envgrid.core.tokens``."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from envgrid.core.tokens import api_token_user


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header format with EnvGrid's hashed, expiring tokens."""

    def authenticate_credentials(self, key):
        found = api_token_user(key)
        if found is None:
            raise AuthenticationFailed(_("Invalid, expired or revoked token."))
        return found
