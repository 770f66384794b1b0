"""How the OpenAPI schema is described: endpoints grouped by app under a Chinese tag with a description, a
Chinese summary for each operation, and the docs shown only to the roles that work with the API."""

from __future__ import annotations

from functools import wraps

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import BasePermission

#: What each app's group of endpoints is about, shown beside its tag in the API docs.
APP_TAG_DESCRIPTIONS = {
    "core": _("Sign-in tokens, units, users and the working-day calendar."),
    "grids": _("Streets, communities and grids with their outlines and people."),
    "notifications": _("The signed-in user's notifications."),
    "cases": _("Reported problems and their handling: accept, dispatch, sign, feedback, verify, close."),
    "directives": _("Dispatch directives to units and their feedback."),
    "sources": _("Supervised objects (enterprises, sites, roads …) and who is responsible for them."),
    "patrols": _("Inspections, checklists, enforcement cases and publicity."),
    "monitoring": _("Monitoring stations, readings and air-quality figures."),
    "alerts": _("Monitoring alerts raised from readings."),
    "emergency": _("Pollution warnings, duty rosters and spot checks."),
}

#: The summary of a standard viewset action, from the model's verbose name.
ACTION_SUMMARIES = {
    "list": _("List of %(plural)s"),
    "retrieve": _("One %(name)s"),
    "create": _("Create a %(name)s"),
    "update": _("Update a %(name)s"),
    "partial_update": _("Partly update a %(name)s"),
    "destroy": _("Delete a %(name)s"),
}
#: What a custom viewset action does, in words (the action's name is a Python identifier).
ACTION_WORDS = {
    "accept": pgettext_lazy("api action", "accept"),
    "activate": pgettext_lazy("api action", "activate"),
    "board": pgettext_lazy("api action", "board"),
    "cancel": pgettext_lazy("api action", "cancel"),
    "change": pgettext_lazy("api action", "change"),
    "close": pgettext_lazy("api action", "close"),
    "comment": pgettext_lazy("api action", "comment"),
    "complete": pgettext_lazy("api action", "complete"),
    "dispatch_": pgettext_lazy("api action", "dispatch"),
    "end": pgettext_lazy("api action", "end"),
    "extend": pgettext_lazy("api action", "extend"),
    "feedback": pgettext_lazy("api action", "feedback"),
    "hold": pgettext_lazy("api action", "hold"),
    "import_list": pgettext_lazy("api action", "import list"),
    "import_roster": pgettext_lazy("api action", "import roster"),
    "lift": pgettext_lazy("api action", "lift"),
    "lookup": pgettext_lazy("api action", "lookup"),
    "measures": pgettext_lazy("api action", "measures"),
    "now": pgettext_lazy("api action", "now"),
    "publicity": pgettext_lazy("api action", "publicity"),
    "read": pgettext_lazy("api action", "read"),
    "read_all": pgettext_lazy("api action", "read all"),
    "readings": pgettext_lazy("api action", "readings"),
    "reassign": pgettext_lazy("api action", "reassign"),
    "record": pgettext_lazy("api action", "record"),
    "reject": pgettext_lazy("api action", "reject"),
    "responsible": pgettext_lazy("api action", "responsible"),
    "resume": pgettext_lazy("api action", "resume"),
    "return_": pgettext_lazy("api action", "return"),
    "sign": pgettext_lazy("api action", "sign"),
    "start": pgettext_lazy("api action", "start"),
    "stats": pgettext_lazy("api action", "stats"),
    "transfer": pgettext_lazy("api action", "transfer"),
    "transition": pgettext_lazy("api action", "transition"),
    "urge": pgettext_lazy("api action", "urge"),
    "verify": pgettext_lazy("api action", "verify"),
}
METHOD_SUMMARIES = {
    "GET": _("%(subject)s: read"),
    "POST": _("%(subject)s: submit"),
    "PUT": _("%(subject)s: update"),
    "PATCH": _("%(subject)s: update"),
    "DELETE": _("%(subject)s: delete"),
}


def app_label_of(view) -> str | None:
    """The EnvGrid app a view belongs to, from its module (``envgrid.cases.api.views`` → ``cases``)."""
    parts = type(view).__module__.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "envgrid" and parts[1] in APP_TAG_DESCRIPTIONS else None


def app_tag(label: str) -> str:
    """The tag of an app's endpoints: its verbose name in the current language (案件, 网格 …)."""
    return str(apps.get_app_config(label).verbose_name)


class AppTaggedAutoSchema(AutoSchema):
    """drf-spectacular's schema with one tag per app and a summary per operation."""

    def get_tags(self) -> list[str]:
        label = app_label_of(self.view)
        return [app_tag(label)] if label else super().get_tags()

    def get_summary(self) -> str | None:
        model = self._model()
        action = getattr(self.view, "action", None)
        if model is not None and action in ACTION_SUMMARIES:
            meta = model._meta
            return gettext(ACTION_SUMMARIES[action]) % {"name": meta.verbose_name, "plural": meta.verbose_name_plural}
        if model is not None:
            subject = str(model._meta.verbose_name)
        else:
            label = app_label_of(self.view)
            subject = app_tag(label) if label else gettext("API")
        if action in ACTION_WORDS:
            return gettext("%(subject)s: %(action)s") % {"subject": subject, "action": ACTION_WORDS[action]}
        return gettext(METHOD_SUMMARIES.get(self.method, METHOD_SUMMARIES["GET"])) % {"subject": subject}

    def _model(self):
        queryset = getattr(self.view, "queryset", None)
        if queryset is not None:
            return queryset.model
        try:
            serializer_class = self.view.get_serializer_class()
        except Exception:  # noqa: BLE001 — a view without a serializer class has no model to name
            return None
        return getattr(getattr(serializer_class, "Meta", None), "model", None)


def add_tag_descriptions(result, generator, request, public):
    """Postprocessing hook: list the app tags in navigation order, each with its description."""
    used = {tag for path in result.get("paths", {}).values() for op in path.values() for tag in op.get("tags", [])}
    result["tags"] = [
        {"name": app_tag(label), "description": str(description)}
        for label, description in APP_TAG_DESCRIPTIONS.items()
        if app_tag(label) in used
    ]
    return result


class CanReadApiDocs(BasePermission):
    """The schema and its docs are for the roles that work with the API: admin, dispatcher, unit lead."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.can_read_api_docs)


def api_docs_required(view):
    """Wrap the docs page: sign-in first, then 403 (the site's own page) for roles that do not use the API."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.can_read_api_docs:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
