"""Who may post readings to the API."""

from rest_framework.permissions import BasePermission

from envgrid.monitoring.selectors import can_import_readings


class CanImportReadings(BasePermission):
    """Administrators, dispatchers, and data-feed accounts (devices or other systems) holding the
    ``monitoring.add_reading`` permission, with their API token."""

    message = "Only administrators, dispatchers and data-feed accounts may post readings."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and can_import_readings(request.user))
