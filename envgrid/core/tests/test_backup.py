"""Backup and restore, proven: a backup taken while readings and cases are being written restores into an empty
database with the manifest's row counts and checksums; a changed archive or a non-empty target is refused.
Runs on SQLite and on PostgreSQL (the restore target is a file in a temporary directory, or a scratch database)."""

import io
import json
import os
import sqlite3
import tarfile
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test import override_settings

from envgrid.cases.models import Case, CaseAttachment, CaseCategory
from envgrid.cases.services import case_report
from envgrid.cases.tests.service_fixtures import jpeg
from envgrid.core.backup import DB_MEMBERS, BackupError, backup_create, backup_restore
from envgrid.monitoring.choices import ReadingCommand
from envgrid.monitoring.models import Reading, Station

pytestmark = pytest.mark.django_db(transaction=True)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def media(tmp_path):
    """A real media directory on disk for the duration of the test (the test settings keep files in memory)."""
    root = tmp_path / "media"
    root.mkdir()
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(MEDIA_ROOT=root, STORAGES=storages):
        yield root


@pytest.fixture
def target(tmp_path):
    """An empty database to restore into: a new SQLite file, or a scratch PostgreSQL database dropped after."""
    source = connection.settings_dict
    if not _postgres():
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    import psycopg

    name = f"envgrid_backup_restore_{os.getpid()}"
    admin = {k: v for k, v in {"host": source["HOST"], "port": source["PORT"], "user": source["USER"]}.items() if v}
    with closing(psycopg.connect(dbname="postgres", autocommit=True, password=source["PASSWORD"], **admin)) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        with closing(psycopg.connect(dbname="postgres", autocommit=True, password=source["PASSWORD"], **admin)) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(database: dict, sql: str) -> list[tuple]:
    """Rows of ``sql`` read straight from ``database`` (not through Django's test connection)."""
    if database["ENGINE"].endswith("sqlite3"):
        with closing(sqlite3.connect(database["NAME"])) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    params = {"dbname": database["NAME"], "host": database["HOST"], "port": database["PORT"], "user": database["USER"]}
    with closing(psycopg.connect(**{k: v for k, v in params.items() if v})) as conn:
        return conn.execute(sql).fetchall()


class Writer(threading.Thread):
    """Keeps writing, each in one transaction, a reading and a case reported with a photo, until stopped."""

    def __init__(self, station: Station, category: CaseCategory):
        super().__init__(daemon=True)
        self.station, self.category = station, category
        self.written, self.error = 0, None
        self.stop = threading.Event()

    def run(self):
        start = datetime(2026, 1, 1, tzinfo=UTC)
        try:
            while not self.stop.is_set():
                with transaction.atomic():
                    at = start + timedelta(minutes=self.written)
                    Reading.objects.create(
                        station=self.station, cn=ReadingCommand.MINUTE, data_time=at, received_at=at, pm25=0.5
                    )
                    case_report(reporter=None, title=f"load {self.written}", category=self.category, files=[jpeg()])
                self.written += 1
        except BaseException as error:  # noqa: BLE001 — reported by the test
            self.error = error
        finally:
            connections.close_all()

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.written < count and self.error is None:
            assert time.monotonic() < deadline, f"the writer wrote only {self.written} rows"
            time.sleep(0.01)
        assert self.error is None, self.error


def _counts() -> tuple[int, int]:
    return Reading.objects.count(), Case.objects.count()


def test_backup_under_write_load_restores_identically(tmp_path, media, target):
    station = Station.objects.create(mn="5A4A00000000000000000077", password="1", name="load", lon=113.6, lat=34.7)
    category, _ = CaseCategory.objects.get_or_create(code="backup.test", defaults={"name": "backup test"})
    key = tmp_path / "secret_key"
    key.write_text("k" * 50)
    base = _counts()
    writer = Writer(station, category)
    writer.start()
    try:
        writer.wait_for(5)
        archive = tmp_path / "backup.tar.gz"
        manifest = backup_create(archive, database=connection.settings_dict, media_root=media, secret_key_file=key)
        writer.wait_for(writer.written + 5)
    finally:
        writer.stop.set()
        writer.join(60)
    assert writer.error is None, writer.error
    after = _counts()

    readings = manifest.tables[Reading._meta.db_table]["rows"]
    cases = manifest.tables[Case._meta.db_table]["rows"]
    # Taken mid-load: rows were written before the backup began and after it ended.
    assert base[0] < readings < after[0]
    assert base[1] < cases < after[1]
    # One instant: each reading came with its case in one transaction, and the snapshot holds whole pairs.
    assert readings - base[0] == cases - base[1]
    assert manifest.backend == ("postgresql" if _postgres() else "sqlite")
    assert {"django_migrations", "django_content_type", "core_auditevent"} <= manifest.tables.keys()

    restored_media, restored_key = tmp_path / "restored-media", tmp_path / "restored-key"
    restored = backup_restore(archive, database=target, media_root=restored_media, secret_key_file=restored_key)

    assert restored.tables == manifest.tables  # backup_restore recomputed them from the restored database
    assert _query(target, f"SELECT COUNT(*) FROM {Reading._meta.db_table}") == [(readings,)]
    assert _query(target, f"SELECT COUNT(*) FROM {Case._meta.db_table}") == [(cases,)]
    files = [name for (name,) in _query(target, f"SELECT file FROM {CaseAttachment._meta.db_table}")]
    assert len(files) >= cases - base[1]
    for name in files:  # every photo the restored database names is there, byte for byte
        assert (restored_media / name).read_bytes() == (media / name).read_bytes()
    assert restored_key.read_text() == "k" * 50
    assert restored_key.stat().st_mode & 0o777 == 0o600


def _tamper(archive, tampered, member: str, change) -> None:
    """Copy ``archive`` with ``member``'s bytes passed through ``change``."""
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()
            if info.name == member:
                data = change(data)
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _flip_middle_byte(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


def test_a_changed_archive_is_refused_naming_the_member(tmp_path, target):
    archive, tampered = tmp_path / "backup.tar", tmp_path / "tampered.tar"
    backup_create(
        archive, database=connection.settings_dict, media_root=tmp_path / "none", secret_key_file=tmp_path / "no-key"
    )
    member = DB_MEMBERS["postgresql" if _postgres() else "sqlite"]
    _tamper(archive, tampered, member, _flip_middle_byte)

    with pytest.raises(BackupError, match=f"archive member {member} does not match its checksum"):
        backup_restore(tampered, database=target, media_root=tmp_path / "m", secret_key_file=tmp_path / "k")
    if _postgres():
        assert _query(target, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    else:
        assert not os.path.exists(target["NAME"])  # nothing was restored
    # The untouched archive restores.
    backup_restore(archive, database=target, media_root=tmp_path / "m", secret_key_file=tmp_path / "k")


def test_restore_into_a_database_that_is_not_empty_is_refused(tmp_path, media):
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive), stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert archive.stat().st_mode & 0o777 == 0o600

    # The test database itself is the target: it has tables, so nothing happens to it.
    with pytest.raises(CommandError, match=r"is not empty: it has \d+ tables \(.*auth_"):
        call_command("restore", str(archive))
    assert Station._meta.db_table in connection.introspection.table_names()


def test_a_restored_table_that_differs_from_the_manifest_is_named(tmp_path, target):
    archive, tampered = tmp_path / "backup.tar", tmp_path / "tampered.tar"
    backup_create(
        archive, database=connection.settings_dict, media_root=tmp_path / "none", secret_key_file=tmp_path / "k"
    )
    table = CaseCategory._meta.db_table

    def claim_one_more_row(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["tables"][table]["rows"] += 1
        return json.dumps(manifest).encode()

    _tamper(archive, tampered, "manifest.json", claim_one_more_row)
    with pytest.raises(BackupError, match=f"table {table}: the archive's manifest says"):
        backup_restore(tampered, database=target, media_root=tmp_path / "m", secret_key_file=tmp_path / "k2")
