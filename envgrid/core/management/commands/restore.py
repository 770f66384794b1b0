"""``manage.py restore ARCHIVE``: restore a backup into an empty install and verify it against its manifest."""

from django.core.management.base import BaseCommand, CommandError

from envgrid.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive (database, media, key file) into an empty install, then recompute every "
        "table's row count and checksum and compare them with the archive's manifest."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", help="an archive written by manage.py backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a non-empty database, media directory or key file (everything in the database is lost)",
        )

    def handle(self, *args, **options):
        try:
            manifest = backup_restore(options["archive"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(table["rows"] for table in manifest.tables.values())
        self.stdout.write(
            f"Restored and verified {options['archive']} (taken {manifest.created_at}): {len(manifest.tables)} "
            f"tables, {rows} rows, {len(manifest.files)} files match the manifest"
        )
