from django.contrib import admin
from django.utils.translation import gettext_lazy

from envgrid.cases.models import (
    Case,
    CaseAssignment,
    CaseCategory,
    CaseEvent,
    CaseSettings,
    CaseSLA,
    Open311Partner,
    RoutingRule,
)
from envgrid.cases.open311.services import open311_partner_create, open311_partner_rotate_key, open311_partner_update
from envgrid.cases.rules import (
    case_category_create,
    case_category_delete,
    case_category_update,
    case_settings_create,
    case_settings_delete,
    case_settings_update,
    case_sla_create,
    case_sla_delete,
    case_sla_update,
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
)
from envgrid.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin


@admin.register(CaseCategory)
class CaseCategoryAdmin(ServiceAdmin):
    """Saves through the rule services: routing and deadlines follow the category tree, so it is audited."""

    list_display = ["code", "name", "parent", "is_active", "sort_order"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name"]

    def create(self, request, data):
        return case_category_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return case_category_update(actor=request.user, category=obj, **data)

    def delete(self, request, obj):
        case_category_delete(actor=request.user, category=obj)


@admin.register(CaseSLA)
class CaseSLAAdmin(ServiceAdmin):
    """Saves through the rule services: a deadline rule sets every new case's deadline, so it is audited."""

    list_display = ["category", "severity", "amount", "unit", "escalate_after_hours"]
    list_filter = ["unit", "severity"]

    def create(self, request, data):
        return case_sla_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return case_sla_update(actor=request.user, rule=obj, **data)

    def delete(self, request, obj):
        case_sla_delete(actor=request.user, rule=obj)


@admin.register(RoutingRule)
class RoutingRuleAdmin(ServiceAdmin):
    """Saves through the rule services: a routing rule decides which unit leads new cases, so it is audited."""

    list_display = ["category", "region", "grid", "unit"]
    list_filter = ["unit", "category"]
    autocomplete_fields = ["grid", "region"]
    filter_horizontal = ["co_units"]

    def create(self, request, data):
        return routing_rule_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return routing_rule_update(actor=request.user, rule=obj, **data)

    def delete(self, request, obj):
        routing_rule_delete(actor=request.user, rule=obj)


@admin.register(CaseSettings)
class CaseSettingsAdmin(ServiceAdmin):
    """Saves through the rule services, audited."""

    list_display = ["duplicate_radius_m", "duplicate_window_hours"]

    def create(self, request, data):
        return case_settings_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return case_settings_update(actor=request.user, settings=obj, **data)

    def delete(self, request, obj):
        case_settings_delete(actor=request.user, settings=obj)


class AssignmentInline(ReadOnlyInline):
    model = CaseAssignment
    fields = ["unit", "role", "status", "due_at", "signed_at", "fed_back_at", "is_overdue"]


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created_at", "actor_name", "actor_role", "action", "from_status", "to_status", "note"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Read-only here: cases change only through the closed loop (the case page or the API), and are not
    deleted: their timeline is the record of who did what."""

    list_display = ["number", "title", "status", "category", "lead_unit", "due_at", "is_overdue", "created_at"]
    list_filter = ["status", "channel", "severity", "is_overdue", "category"]
    search_fields = ["number", "title", "address"]
    list_select_related = ["category", "lead_unit"]
    inlines = [AssignmentInline, EventInline]


@admin.register(Open311Partner)
class Open311PartnerAdmin(ServiceAdmin):
    """Partner systems that file citizen requests through Open311, each with its own api_key.

    Saves through the Open311 services (audited; the key itself never goes into the audit trail).
    The key is issued on creation and re-issued by the "Issue new API keys" action. A partner is
    switched off rather than deleted: its requests stay public and linked to it.
    """

    list_display = ["name", "channel", "is_active", "key_hint", "created_at"]
    list_filter = ["is_active", "channel"]
    search_fields = ["name"]
    fields = ["name", "channel", "is_active", "api_key", "created_at"]
    readonly_fields = ["api_key", "created_at"]
    actions = ["rotate_keys"]

    @admin.display(description=gettext_lazy("API key"))
    def key_hint(self, obj):
        return f"{obj.api_key[:6]}…" if obj.api_key else "-"

    def create(self, request, data):
        return open311_partner_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return open311_partner_update(actor=request.user, partner=obj, **data)

    @admin.action(description=gettext_lazy("Issue new API keys (the old keys stop working)"))
    def rotate_keys(self, request, queryset):
        for partner in queryset:
            open311_partner_rotate_key(actor=request.user, partner=partner)
        self.message_user(request, gettext_lazy("New API keys issued: %(n)d.") % {"n": queryset.count()})
