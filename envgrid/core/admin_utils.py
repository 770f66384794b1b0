"""What every app's admin shares: an admin that saves through the services, and read-only admins and inlines."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction


class ServiceAdmin(admin.ModelAdmin):
    """A model admin whose saves and deletes go through the app's services, so an edit in the admin gets
    the same checks and the same audit event as any other write.

    A subclass says how to call its services in ``create``, ``update`` and ``delete``; without a
    ``delete`` the admin offers no deleting. Many-to-many fields are the services' to set too.
    """

    def create(self, request, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def update(self, request, obj: models.Model, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def delete(self, request, obj: models.Model) -> None:
        raise PermissionDenied

    def form_data(self, form) -> dict[str, Any]:
        """The keyword arguments of the create or update service, from a valid admin form (the change form,
        or a row of the change list's ``list_editable`` formset, which also carries the primary key)."""
        data = dict(form.cleaned_data)
        data.pop(self.opts.pk.name, None)
        return data

    def has_delete_permission(self, request, obj=None):
        deletable = type(self).delete is not ServiceAdmin.delete
        return deletable and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = self.form_data(form)
        saved = self.update(request, obj, data) if change else self.create(request, data)
        adopt_saved(obj, saved)

    def save_related(self, request, form, formsets, change):
        # The service has set the many-to-many fields; only inline formsets remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.delete(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete(request, obj)


def adopt_saved(obj: models.Model, saved: models.Model) -> None:
    """Give the admin's form object the values of the row a service saved.

    Django's change view goes on using its own object after ``save_model`` (for the history entry and
    the redirect), so it must carry the new primary key and what the service set.
    """
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model shown in the admin and changed only through its own pages and services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent in the admin and changed only through the services."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
