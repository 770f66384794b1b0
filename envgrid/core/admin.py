from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from envgrid.core import admin_axes
from envgrid.core.admin_utils import ReadOnlyAdmin, ServiceAdmin
from envgrid.core.models import ApiToken, AuditEvent, CalendarDay, Unit, User
from envgrid.core.services import (
    calendar_day_create,
    calendar_day_delete,
    calendar_day_update,
    unit_create,
    unit_delete,
    unit_update,
    user_create,
    user_delete,
    user_set_password,
    user_update,
)
from envgrid.core.tokens import api_token_revoke


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    """Saves through the unit services: a unit decides whose work a person sees, so each change is audited."""

    list_display = ["name", "short_name", "kind", "parent", "phone", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    list_select_related = ["parent"]

    def create(self, request, data):
        return unit_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return unit_update(actor=request.user, unit=obj, **data)

    def delete(self, request, obj):
        unit_delete(actor=request.user, unit=obj)


@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    """Saves through the user services: role and unit decide a person's data scope, so each change,
    the password included (without its hash), is audited."""

    list_display = ["username", "display_name", "role", "unit", "phone", "is_active"]
    list_filter = ["role", "is_active", "unit__kind"]
    search_fields = ["username", "display_name", "phone"]
    list_select_related = ["unit"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("EnvGrid"), {"fields": ("display_name", "phone", "unit", "role")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("EnvGrid"), {"fields": ("display_name", "phone", "unit", "role")}),
    )

    def form_data(self, form):
        data = dict(form.cleaned_data)
        data.pop("password", None)  # the change form's read-only hash
        if "password1" in data:  # the add form
            usable = data.pop("set_usable_password", True)
            data["password"] = data["password1"] if usable else None
            del data["password1"], data["password2"]
        return data

    def create(self, request, data):
        return user_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return user_update(actor=request.user, user=obj, **data)

    def delete(self, request, obj):
        user_delete(actor=request.user, user=obj)

    def user_change_password(self, request, id, form_url=""):
        """Django's password page, with the valid POST saved through ``user_set_password``."""
        user = self.get_object(request, unquote(id)) if request.method == "POST" else None
        if user is None or not self.has_change_permission(request, user):
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid() or not (form.cleaned_data["set_usable_password"] or "unset-password" in request.POST):
            return super().user_change_password(request, id, form_url)
        usable = form.cleaned_data["set_usable_password"]
        user = user_set_password(
            actor=request.user, user=user, password=form.cleaned_data["password1"] if usable else None
        )
        self.log_change(request, user, self.construct_change_message(request, form, None))
        if usable:
            messages.success(request, gettext("Password changed successfully."))
        else:
            messages.success(request, gettext("Password-based authentication was disabled."))
        update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:core_user_change", args=(user.pk,)))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is written by services, never edited."""

    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "note", "actor__username"]
    list_select_related = ["actor"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdmin):
    """Saves through the calendar services: an override moves every working-day deadline, so it is audited."""

    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def create(self, request, data):
        return calendar_day_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return calendar_day_update(actor=request.user, day=obj, **data)

    def delete(self, request, obj):
        calendar_day_delete(actor=request.user, day=obj)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Every API token, to see who holds which and revoke one (keys themselves are never stored)."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__username", "user__display_name"]
    actions = ["revoke"]

    def has_revoke_permission(self, request) -> bool:
        """Revoking is a change: viewing the list is not enough."""
        return request.user.has_perm("core.change_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, actor=request.user)
        self.message_user(request, gettext("%(n)d tokens revoked.") % {"n": queryset.count()}, messages.SUCCESS)


admin_axes.register()
