"""``manage.py backup [ARCHIVE]``: write one archive of the install (database, media, key file, manifest)."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from envgrid.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one backup archive: a consistent online snapshot of the database, the media files and the key "
        "file, with a manifest of row counts and checksums. Safe while the site runs."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            nargs="?",
            help="where to write it (.tar, or .tar.gz to compress); default envgrid-backup-<UTC time>.tar.gz here",
        )

    def handle(self, *args, **options):
        archive = options["archive"] or f"envgrid-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz"
        try:
            manifest = backup_create(archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(table["rows"] for table in manifest.tables.values())
        self.stdout.write(
            f"{archive}: {manifest.backend} database, {len(manifest.tables)} tables, {rows} rows, "
            f"{len(manifest.files)} files"
        )
