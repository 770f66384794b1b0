from django.contrib import admin

from envgrid.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline
from envgrid.directives.models import Directive, DirectiveAttachment, DirectiveEvent, DirectiveTarget


class TargetInline(ReadOnlyInline):
    model = DirectiveTarget
    fields = ["unit", "status", "signed_at", "fed_back_at", "is_late", "urge_count", "figures"]


class EventInline(ReadOnlyInline):
    model = DirectiveEvent
    fields = ["created_at", "actor_name", "action", "target", "note"]


class AttachmentInline(ReadOnlyInline):
    model = DirectiveAttachment
    fields = ["original_name", "target", "content_type", "size", "uploaded_at"]


@admin.register(Directive)
class DirectiveAdmin(ReadOnlyAdmin):
    """Read-only here: directives change only through their services (the directive page or the API)."""

    list_display = ["number", "title", "status", "issued_by", "issued_at", "feedback_due_at", "recurrence"]
    list_filter = ["status", "recurrence"]
    search_fields = ["number", "title"]
    date_hierarchy = "issued_at"
    inlines = [TargetInline, AttachmentInline, EventInline]
