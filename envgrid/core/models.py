from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.core.choices import API_DOCS_ROLES, DISTRICT_WIDE_ROLES, READ_ONLY_ROLES, Role, UnitKind
from envgrid.core.querysets import UnitQuerySet, UserQuerySet


class Unit(models.Model):
    """A unit (单位) that owns work: a district department such as the ecology bureau, a street or
    town government, or a community/village committee. Units form a tree through ``parent``."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class EnvGridUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who works in EnvGrid: an official, a dispatcher or a grid member, with one role
    and the unit they belong to. The role and unit decide what they see and may do."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.UNIT_STAFF)

    objects = EnvGridUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_district_wide(self) -> bool:
        """True when the user's work spans the whole district (dispatcher, leader, admin…)."""
        return self.is_active and (self.is_superuser or self.role in DISTRICT_WIDE_ROLES)

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES and not self.is_superuser

    @property
    def can_read_api_docs(self) -> bool:
        """True for the roles that work with the REST API (admin, dispatcher, unit lead): they see its docs."""
        return self.is_active and (self.is_superuser or self.role in API_DOCS_ROLES)

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, with the state before and after.
    Written by the service that makes the change, in the same transaction (审计日志)."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class CalendarDay(models.Model):
    """A date whose working status an admin sets by hand (调休 / holiday), overriding the statutory
    calendar: for years the calendar package does not know yet, or local arrangements."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class EvidenceFile(models.Model):
    """What every evidence file keeps besides the file itself: its name, type and size, and for a
    photo the camera's own time and GPS position (EXIF), apart from the upload time."""

    original_name = models.CharField(_("original name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    is_image = models.BooleanField(_("image"), default=False)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    taken_lon = models.FloatField(_("EXIF longitude"), null=True, blank=True)
    taken_lat = models.FloatField(_("EXIF latitude"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class IdempotencyRecord(models.Model):
    """A write that a client may retry: the first request with a key (an ``Idempotency-Key`` header, or an
    Open311 partner's own request id) runs, and every retry with the same key gets its result instead of a
    second case. Kept for ``ENVGRID_IDEMPOTENCY_DAYS`` days."""

    scope = models.CharField(_("scope"), max_length=80)  # whose keys: a user's, a partner system's
    key = models.CharField(_("key"), max_length=200)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    result = models.JSONField(_("result"), default=dict)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="core_idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class ApiToken(models.Model):
    """A key a system or a person's script signs in to the API with (``Authorization: Token …``). Only its hash is
    stored; it expires, is revoked by its owner or an administrator, and stops working when its user's password
    changes (it remembers a fingerprint of the password it was issued under)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, blank=True)
    prefix = models.CharField(_("key starts with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    password_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
