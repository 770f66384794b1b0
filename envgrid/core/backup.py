"""Backup and restore of one EnvGrid install: the database, the uploaded files (media) and the embedded mode's
key file in one tar archive, with a manifest that restore checks what it restored against.

The manifest holds the row count and a checksum of every table, read from the archived snapshot itself, and
the sha256 of every archive member. The database is a consistent online snapshot taken while the site runs:
on SQLite the backup API (one step, one read transaction); on PostgreSQL ``pg_dump -Fc --snapshot`` of a
snapshot exported by a REPEATABLE READ transaction that also reads the manifest's counts and checksums, so
both describe the same instant. An archive restores to the backend it came from: moving between SQLite and
PostgreSQL is out of scope (checksums are compared between like backends only).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KEY_MEMBER = "secret_key"
MEDIA_PREFIX = "media/"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what was found and where."""


@dataclass
class Manifest:
    """What an archive holds: per table its row count and checksum, per member file its sha256."""

    backend: str
    tables: dict[str, dict] = field(default_factory=dict)  # table -> {"rows": int, "sha256": hex}
    files: dict[str, str] = field(default_factory=dict)  # archive member -> sha256 hex
    created_at: str = ""
    version: str = ""
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BackupError(f"unknown archive format {raw.get('format')!r} (this EnvGrid reads {FORMAT})")
            return cls(**{key: raw[key] for key in ("backend", "tables", "files", "created_at", "version", "format")})
        except (ValueError, KeyError, AttributeError) as error:
            raise BackupError(f"{MANIFEST} is not an EnvGrid manifest ({error})") from None

    def compare_tables(self, found: dict[str, dict]) -> None:
        """Raise naming the first table whose restored rows differ from the manifest's."""
        for table in sorted(self.tables.keys() | found.keys()):
            want, got = self.tables.get(table), found.get(table)
            if want != got:
                raise BackupError(f"table {table}: the archive's manifest says {want}, the restored database has {got}")


# --- the database, whichever backend ------------------------------------------------------------------------


def _backend(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"no backup for the database engine {engine}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _primary_keys() -> dict[str, list[str]]:
    """Table -> primary-key columns, for every model table (and the migration recorder's)."""
    keys = {"django_migrations": ["id"]}
    for model in apps.get_models(include_auto_created=True):
        keys.setdefault(model._meta.db_table, [f.column for f in model._meta.pk_fields])
    return keys


def _plain(value):
    """The JSON form of a value the drivers return beyond JSON's own types."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)  # Decimal, UUID, timedelta…


def _row_bytes(row) -> bytes:
    return json.dumps(list(row), default=_plain, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def table_stats(connection, tables: list[str], cursor_factory=None) -> dict[str, dict]:
    """Row count and sha256 of each table, rows in primary-key order (tables without a model: all columns).

    Computed the same way on the snapshot and on the restored database, through the backend's own driver."""
    keys = _primary_keys()
    stats = {}
    for table in tables:
        with closing(connection.cursor()) as probe:
            probe.execute(f"SELECT * FROM {_quote(table)} WHERE 1 = 0")  # noqa: S608 — names from the catalogue
            width = len(probe.description)
        order = ", ".join(_quote(c) for c in keys[table]) if table in keys else ", ".join(map(str, range(1, width + 1)))
        digest, rows = hashlib.sha256(), 0
        with closing(cursor_factory() if cursor_factory else connection.cursor()) as cursor:
            cursor.execute(f"SELECT * FROM {_quote(table)} ORDER BY {order}")  # noqa: S608
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    digest.update(_row_bytes(row) + b"\n")
                rows += len(batch)
        stats[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return stats


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY 1"
    return [name for (name,) in conn.execute(sql)]


def _sqlite_snapshot(database: dict, dest: Path) -> dict[str, dict]:
    """Copy the live SQLite database to ``dest`` with the backup API and read its stats from the copy."""
    source = Path(database["NAME"])
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    with closing(sqlite3.connect(source, timeout=60)) as src, closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)  # all pages in one step: one read transaction, a consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    with closing(sqlite3.connect(f"{dest.resolve().as_uri()}?mode=ro", uri=True)) as snap:
        return table_stats(snap, _sqlite_tables(snap))


def _sqlite_found(database: dict) -> list[str]:
    target = Path(database["NAME"])
    if not target.exists():
        return []
    with closing(sqlite3.connect(target)) as conn:
        return _sqlite_tables(conn)


def _sqlite_restore(database: dict, source: Path) -> dict[str, dict]:
    """Copy the snapshot over the target (the backup API again: it replaces every page) and read its stats."""
    target = Path(database["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target, timeout=60)) as dst:
        src.backup(dst)
    with closing(sqlite3.connect(target)) as conn:
        return table_stats(conn, _sqlite_tables(conn))


def _not_empty(target, found: list[str]) -> BackupError:
    shown = ", ".join(found[:5]) + ("…" if len(found) > 5 else "")
    return BackupError(
        f"the target database {target} is not empty: it has {len(found)} tables ({shown}). Restore into an empty "
        "database, or pass --force to replace everything in it."
    )


def _pg_params(database: dict) -> dict:
    params = {"dbname": database["NAME"], "user": database.get("USER"), "host": database.get("HOST")}
    params["port"] = str(database["PORT"]) if database.get("PORT") else None
    params["password"] = database.get("PASSWORD") or None
    return {key: value for key, value in params.items() if value}


def _pg_tool(name: str, database: dict, args: list[str]) -> None:
    """Run pg_dump or pg_restore against ``database`` (the password through the environment, not argv)."""
    binary = shutil.which(name)
    if binary is None:
        raise BackupError(f"{name} is not on PATH (install the PostgreSQL client of the server's major version)")
    params = _pg_params(database)
    env = {**os.environ, "PGPASSWORD": params.pop("password", os.environ.get("PGPASSWORD", ""))}
    names = {"user": "username", "host": "host", "port": "port"}
    flags = [f"--{names[key]}={value}" for key, value in params.items() if key != "dbname"]
    run = subprocess.run([binary, *flags, *args, f"--dbname={params['dbname']}"], env=env, capture_output=True)  # noqa: S603
    if run.returncode:
        raise BackupError(f"{name} failed: {run.stderr.decode(errors='replace').strip()}")


@contextmanager
def _pg_snapshot_connection(database: dict) -> Iterator:
    """A read-only REPEATABLE READ transaction in UTC: every read in it sees one instant of the database."""
    import psycopg

    conn = psycopg.connect(**_pg_params(database))
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    try:
        conn.execute("SET TIME ZONE 'UTC'")
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _pg_tables(conn) -> list[str]:
    sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    return [name for (name,) in conn.execute(sql).fetchall()]


def _pg_stats(conn) -> dict[str, dict]:
    counter = iter(range(1 << 30))
    return table_stats(conn, _pg_tables(conn), cursor_factory=lambda: conn.cursor(name=f"backup{next(counter)}"))


def _pg_snapshot(database: dict, dest: Path) -> dict[str, dict]:
    """pg_dump the snapshot that this transaction exported, then read the stats in the same snapshot."""
    with _pg_snapshot_connection(database) as conn:
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _pg_tool("pg_dump", database, ["--format=custom", f"--snapshot={snapshot}", f"--file={dest}"])
        return _pg_stats(conn)


def _pg_found(database: dict) -> list[str]:
    import psycopg

    with closing(psycopg.connect(**_pg_params(database), autocommit=True)) as conn:
        return _pg_tables(conn)


def _pg_restore(database: dict, source: Path) -> dict[str, dict]:
    """Empty the target's schema (already empty unless forced), pg_restore the dump and read its stats."""
    import psycopg

    with closing(psycopg.connect(**_pg_params(database), autocommit=True)) as conn:
        if _pg_tables(conn):
            schema = conn.execute("SELECT current_schema()").fetchone()[0]
            conn.execute(f"DROP SCHEMA {_quote(schema)} CASCADE")
            conn.execute(f"CREATE SCHEMA {_quote(schema)}")
    _pg_tool("pg_restore", database, ["--no-owner", "--exit-on-error", "--single-transaction", str(source)])
    with _pg_snapshot_connection(database) as conn:
        return _pg_stats(conn)


# --- files ---------------------------------------------------------------------------------------------------


class _HashingReader:
    """A file read through sha256: what tarfile copies into the archive is what the digest covers."""

    def __init__(self, file):
        self.file, self.digest = file, hashlib.sha256()

    def read(self, size=-1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, source: Path, member: str) -> str:
    info = tar.gettarinfo(source, arcname=member)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with source.open("rb") as file:
        reader = _HashingReader(file)
        tar.addfile(info, reader)
    return reader.digest.hexdigest()


def _media_files(media_root: Path) -> Iterator[tuple[Path, str]]:
    if not media_root.is_dir():
        return
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, MEDIA_PREFIX + path.relative_to(media_root).as_posix()


def _key_file() -> Path:
    """The embedded mode's key file, where the settings read it."""
    return Path(os.environ.get("ENVGRID_SECRET_KEY_FILE") or Path(settings.DATA_DIR) / "secret_key")


def _version() -> str:
    try:
        return metadata.version("envgrid")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- the two services ----------------------------------------------------------------------------------------


def backup_create(
    path: Path | str,
    *,
    database: dict | None = None,
    media_root: Path | str | None = None,
    secret_key_file: Path | str | None = None,
) -> Manifest:
    """Write one archive at ``path`` (``.tar``, or gzip-compressed when it ends in ``.gz``/``.tgz``): the
    database snapshot, every media file, the key file if there is one, and ``manifest.json`` last.

    The archive appears at ``path`` only when complete (written beside it, then renamed)."""
    database = database or settings.DATABASES["default"]
    backend = _backend(database)
    path = Path(path)
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    key_file = Path(secret_key_file) if secret_key_file is not None else _key_file()
    manifest = Manifest(backend=backend, created_at=datetime.now(UTC).isoformat(), version=_version())
    mode = "w:gz" if path.suffix in (".gz", ".tgz") else "w"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        snapshot = Path(work) / DB_MEMBERS[backend]
        snap = _sqlite_snapshot if backend == "sqlite" else _pg_snapshot
        manifest.tables = snap(database, snapshot)
        partial = Path(work) / "archive.partial"
        with tarfile.open(partial, mode) as tar:
            manifest.files[snapshot.name] = _add_file(tar, snapshot, snapshot.name)
            for source, member in _media_files(media_root):
                manifest.files[member] = _add_file(tar, source, member)
            if key_file.is_file():
                manifest.files[KEY_MEMBER] = _add_file(tar, key_file, KEY_MEMBER)
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
            tar.addfile(info, _BytesReader(data))
        partial.chmod(0o600)  # the archive holds the key and every user's data
        os.replace(partial, path)
    return manifest


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def read(self, size=-1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk, self.offset = self.data[self.offset : end], min(end, len(self.data))
        return chunk


def _safe_member(name: str, manifest: Manifest) -> bool:
    if name == MANIFEST:
        return True
    if name not in manifest.files:
        return False
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts:
        return False
    return name in DB_MEMBERS.values() or name == KEY_MEMBER or name.startswith(MEDIA_PREFIX)


def _read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"the archive has no {MANIFEST}: not an EnvGrid backup") from None
    return Manifest.from_json(tar.extractfile(member).read())


def _extract_verified(tar: tarfile.TarFile, manifest: Manifest, into: Path) -> None:
    """Extract every member into ``into``, checking each against the manifest's sha256 before anything is
    restored; refuses a changed, missing or unexpected member, naming it."""
    seen = set()
    for member in tar.getmembers():
        if not _safe_member(member.name, manifest) or not member.isfile():
            raise BackupError(f"archive member {member.name} is not in the manifest or not a plain file")
        if member.name == MANIFEST:
            continue
        target = into / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with tar.extractfile(member) as source, target.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != manifest.files[member.name]:
            raise BackupError(f"archive member {member.name} does not match its checksum in the manifest")
        seen.add(member.name)
    if missing := sorted(manifest.files.keys() - seen):
        raise BackupError(f"archive members missing: {', '.join(missing[:5])}")


def _check_empty(database: dict, backend: str, media_root: Path, key_file: Path, manifest: Manifest) -> None:
    """Refuse a target install that already holds something, naming what."""
    if found := (_sqlite_found if backend == "sqlite" else _pg_found)(database):
        raise _not_empty(database["NAME"], found)
    if any(_media_files(media_root)):
        raise BackupError(f"the media directory {media_root} is not empty; pass --force to restore over it")
    if KEY_MEMBER in manifest.files and key_file.exists():
        raise BackupError(f"a key file already exists at {key_file}; pass --force to replace it")


def _restore_files(work: Path, media_root: Path, key_file: Path, manifest: Manifest) -> None:
    for member in manifest.files:
        if member.startswith(MEDIA_PREFIX):
            target = media_root / member.removeprefix(MEDIA_PREFIX)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / member, target)
    if KEY_MEMBER in manifest.files:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write((work / KEY_MEMBER).read_bytes())


def backup_restore(
    archive: Path | str,
    *,
    database: dict | None = None,
    media_root: Path | str | None = None,
    secret_key_file: Path | str | None = None,
    force: bool = False,
) -> Manifest:
    """Restore ``archive`` into an empty install (database, media, key file), then recompute every table's
    row count and checksum from the restored database and compare them with the manifest.

    Refuses, before changing anything, an archive whose members do not match the manifest, an archive from
    another backend, and (unless ``force``) a target database, media directory or key file that is not empty."""
    database = database or settings.DATABASES["default"]
    backend = _backend(database)
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    key_file = Path(secret_key_file) if secret_key_file is not None else _key_file()
    archive = Path(archive)
    with tarfile.open(archive, "r:*") as tar:
        manifest = _read_manifest(tar)
        if manifest.backend != backend:
            raise BackupError(f"the archive is a {manifest.backend} backup; the target database is {backend}")
        if not force:
            _check_empty(database, backend, media_root, key_file, manifest)
        with tempfile.TemporaryDirectory(prefix="envgrid-restore-") as tmp:  # under $TMPDIR
            work = Path(tmp)
            _extract_verified(tar, manifest, work)
            restore = _sqlite_restore if backend == "sqlite" else _pg_restore
            found = restore(database, work / DB_MEMBERS[backend])
            _restore_files(work, media_root, key_file, manifest)
    manifest.compare_tables(found)
    return manifest
