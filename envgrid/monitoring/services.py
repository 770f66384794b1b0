"""Writes of the monitoring app: stations, HJ 212 readings, refused frames and the receiver's counters.

Readings are stored by ``readings_store`` in ONE transaction per batch with a plain multi-row
``INSERT … ON CONFLICT (station, cn, data_time) DO NOTHING`` (the raw path: the ORM's ``bulk_create`` costs
about 2.5× more per row, PERFORMANCE.md). A frame sent again (a device that missed our 9014 answer
re-sends it) is therefore idempotent: the first stored values stay, the copy is counted as a duplicate and
still acknowledged. Correcting a value is an operator's job, not something a resend does silently.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.choices import Role
from envgrid.core.services import audit_record, snapshot
from envgrid.grids.lookup import grid_for_point
from envgrid.monitoring.choices import (
    BAD_PASSWORD,
    DEFAULT_FACTOR_UNITS,
    FACTOR_COLUMNS,
    INACTIVE_STATION,
    NO_DATA_TIME,
    READING_COLUMNS,
    UNKNOWN_MN,
    VALUE_SUFFIX,
    StationKind,
)
from envgrid.monitoring.hj212.packet import Packet
from envgrid.monitoring.models import Reading, ReceiverStat, RejectedFrame, Station
from envgrid.monitoring.signals import readings_stored

RAW_KEPT = 200  # bytes of a refused frame kept (escaped) for the operator
NORMAL_FLAG = "N"  # HJ 212-2017 Table 8: normal
_ONLY_NORMAL = frozenset(NORMAL_FLAG)


@dataclass(slots=True)
class Reject:
    """One refused frame or run of bytes, to be stored by ``frames_reject``."""

    code: str
    message: str
    peer: str = ""
    mn: str = ""
    raw: bytes = b""
    received_at: datetime | None = None
    count: int = 1  # refusals of this reason in one burst on one connection (``raw`` is the first one's)
    last_received_at: datetime | None = None


class Credentials(NamedTuple):
    """What authenticating a station needs (a Station has the same attributes)."""

    pk: int
    password: str
    is_active: bool


@dataclass(slots=True)
class StoreResult:
    """What ``readings_store`` did. ``accepted[i]`` says whether packet i was authenticated and taken (stored
    or a duplicate of a stored reading, or a non-reading command): those, and only those, may be acknowledged."""

    accepted: list[bool] = field(default_factory=list)
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0  # authenticated packets of commands that are not readings (heartbeats, 9014…)
    rejects: list[Reject] = field(default_factory=list)
    keys: list[tuple[int, int, datetime]] = field(default_factory=list)  # (station, cn, data_time) of the rows


#: What an administrator may change on a station (the rest is filled by the receiver or from the location).
STATION_EDITABLE = (
    "mn",
    "password",
    "name",
    "kind",
    "lon",
    "lat",
    "is_active",
    "factors",
    "interval_minutes",
    "allowed_peers",
)
_STATION_AUDITED = [
    "mn",
    "name",
    "kind",
    "lon",
    "lat",
    "grid",
    "is_active",
    "factors",
    "interval_minutes",
    "allowed_peers",
]


def _station_state(station: Station) -> dict:
    """The station's audited fields (never its password), JSON-safe."""
    return snapshot(station, fields=_STATION_AUDITED)


def station_create(
    *,
    mn: str,
    password: str,
    name: str,
    lon: float,
    lat: float,
    kind: str = StationKind.MICRO,
    factors: dict[str, str] | None = None,
    interval_minutes: int = 1,
    is_active: bool = True,
    actor=None,
) -> Station:
    """Create a station, its grid found from its location; audited (``station.create``)."""
    station = Station(
        mn=mn,
        password=password,
        name=name,
        kind=kind,
        lon=lon,
        lat=lat,
        factors=dict(DEFAULT_FACTOR_UNITS) if factors is None else factors,
        interval_minutes=interval_minutes,
        is_active=is_active,
        grid=grid_for_point(lon, lat),
    )
    station.full_clean()
    with transaction.atomic():
        station.save()
        audit_record(actor=actor, action="station.create", obj=station, after=_station_state(station))
    return station


@transaction.atomic
def station_update(*, actor, station: Station, **changes) -> Station:
    """Change a station's fields (any of ``STATION_EDITABLE``; its grid follows its location), checked, with an
    audit event ``station.update`` holding the station before and after."""
    if unknown := set(changes) - set(STATION_EDITABLE):
        raise TypeError(f"station_update() cannot change {', '.join(sorted(unknown))}")
    station = Station.objects.select_for_update().get(pk=station.pk)
    before, password = _station_state(station), station.password
    for name, value in changes.items():
        setattr(station, name, value)
    station.grid = grid_for_point(station.lon, station.lat)
    station.full_clean()
    station.save()
    after = _station_state(station)
    if station.password != password:
        after["password_changed"] = True  # the HJ 212 password itself stays out of the audit trail
    audit_record(actor=actor, action="station.update", obj=station, before=before, after=after)
    return station


@transaction.atomic
def station_delete(*, actor, station: Station) -> None:
    """Delete a station and its readings and rollups, keeping its last state in the audit trail."""
    station = Station.objects.select_for_update().get(pk=station.pk)
    audit_record(actor=actor, action="station.delete", obj=station, before=_station_state(station))
    station.delete()


def station_move(*, station: Station, lon: float, lat: float) -> Station:
    """Move a station and refresh its grid."""
    station.lon, station.lat = lon, lat
    station.grid = grid_for_point(lon, lat)
    station.full_clean()
    with transaction.atomic():
        station.save(update_fields=["lon", "lat", "grid"])
    return station


def escape_raw(raw: bytes) -> str:
    """The first ``RAW_KEPT`` bytes of a refused frame as printable text (``\\xNN`` for the rest)."""
    return raw[:RAW_KEPT].decode("latin-1").encode("unicode_escape").decode("ascii")


@transaction.atomic
def frames_reject(rejects: Sequence[Reject]) -> int:
    """Store refused frames for the operator; returns how many were stored."""
    now = timezone.now()
    RejectedFrame.objects.bulk_create(
        [
            RejectedFrame(
                received_at=reject.received_at or now,
                peer=reject.peer[:64],
                mn=reject.mn[:64],
                code=reject.code[:32],
                message=reject.message[:300],
                raw=escape_raw(reject.raw),
                count=reject.count,
                last_received_at=reject.last_received_at,
            )
            for reject in rejects
        ]
    )
    return len(rejects)


def rejected_frames_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete rejected frames older than ``days`` (default ``HJ212_REJECT_RETENTION_DAYS``); how many went."""
    from django.conf import settings

    days = settings.HJ212_REJECT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = RejectedFrame.objects.filter(received_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def receiver_abuse_notify(*, what: str, subject: str, seconds: float, peer: str = "") -> int:
    """Tell the administrators that the HJ 212 receiver started refusing ``subject`` (an MN or an address)
    after repeated wrong passwords: once per episode (the receiver decides). Returns how many were told."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q
    from django.urls import reverse

    from envgrid.notifications.services import notify

    admins = get_user_model().objects.filter(Q(is_superuser=True) | Q(role=Role.ADMIN), is_active=True)
    title = _("HJ 212: repeated wrong passwords, %(what)s %(subject)s refused for %(seconds)d s") % {
        "what": what,
        "subject": subject,
        "seconds": seconds,
    }
    body = _("Last attempt from %(peer)s. The receiver refuses it without checking until the back-off ends.") % {
        "peer": peer or "?"
    }
    return len(
        notify(recipients=admins, verb="hj212.auth_backoff", title=title, body=body, url=reverse("monitoring-receiver"))
    )


def readings_store(
    packets: Sequence[Packet],
    *,
    peers: Sequence[str] | None = None,
    received_at: datetime | None = None,
    stations: dict[str, Credentials] | None = None,
    notify: bool = True,
) -> StoreResult:
    """Authenticate and store a batch of parsed HJ 212 packets in one transaction; refused ones are logged.

    Unknown MN, wrong PW or an inactive station: the packet is refused and kept as a ``RejectedFrame``,
    never as a reading. Readings (CN 2011/2051/2061/2031) are inserted or ignored when already stored, and
    the stations' ``last_seen_at``, protocol version and flagged state are updated in the same transaction.
    ``readings_stored`` is sent once committed, with ``result.keys``; ``notify=False`` leaves that to the
    caller (the HJ 212 receiver sends it once for all the batches it committed in the last second).
    """
    now = received_at or timezone.now()
    result = StoreResult(accepted=[False] * len(packets))
    with transaction.atomic():
        if stations is None:
            mns = {packet.mn for packet in packets}
            rows = Station.objects.filter(mn__in=mns).values_list("mn", "id", "password", "is_active")
            stations = {mn: Credentials(pk, password, active) for mn, pk, password, active in rows}
        rows = []
        seen: dict[int, tuple[int, bool | None]] = {}  # station id -> (protocol version, flagged) of its latest packet
        for index, packet in enumerate(packets):
            peer = peers[index] if peers else ""
            station = stations.get(packet.mn)
            refusal = _refusal(packet, station)
            if refusal is not None:
                code, message = refusal
                result.rejects.append(Reject(code, message, peer, packet.mn, packet.to_frame(), now))
                continue
            result.accepted[index] = True
            suffix = VALUE_SUFFIX.get(int(packet.cn))
            if suffix is None:
                result.ignored += 1
                seen.setdefault(station.pk, (packet.version, None))  # a heartbeat says nothing about the data
                continue
            row, flagged = _reading_row(station.pk, packet, suffix, now)
            rows.append(row)
            seen[station.pk] = (packet.version, flagged)
        if rows:
            inserted = _insert_readings(rows)
            result.stored = inserted
            result.duplicates = len(rows) - inserted
            keys = result.keys = [(row[0], row[1], row[2]) for row in rows]
            if notify and readings_stored.has_listeners():
                transaction.on_commit(lambda: readings_stored.send(sender=Station, readings=keys), robust=True)
        _mark_seen(seen, now)
        if result.rejects:
            frames_reject(result.rejects)
    return result


def _refusal(packet: Packet, station: Credentials | None) -> tuple[str, str] | None:
    if station is None:
        return UNKNOWN_MN, f"MN {packet.mn[:40]!r} is not a registered station"
    if station.password != packet.pw:
        return BAD_PASSWORD, f"wrong password for MN {packet.mn}"
    if not station.is_active:
        return INACTIVE_STATION, f"station {packet.mn} is not active"
    if packet.cn in _READING_CNS and packet.data_time is None:
        return NO_DATA_TIME, f"CN={packet.cn} upload without DataTime"
    return None


_READING_CNS = frozenset(str(cn) for cn in VALUE_SUFFIX)
_COLUMN_INDEX = {code: index for index, code in enumerate(FACTOR_COLUMNS)}


def _reading_row(station_id: int, packet: Packet, suffix: str, now: datetime) -> tuple[tuple, bool]:
    """The insert parameters of one reading and whether any factor carried an abnormal flag."""
    columns: list[float | None] = [None] * len(READING_COLUMNS)
    flags: dict[str, str] = {}
    extras: dict[str, object] = {}
    for code, items in packet.values.items():
        flag = items.get("Flag")
        if flag is not None:
            flags[code] = flag
        position = _COLUMN_INDEX.get(code)
        value = items.get(suffix)
        if position is not None and isinstance(value, float):
            columns[position] = value
        elif value is not None:
            extras[code] = value if isinstance(value, float | int | str) else str(value)
        else:
            kept = {
                name: v if isinstance(v, float | int | str) else str(v) for name, v in items.items() if name != "Flag"
            }
            if kept:
                extras[code] = kept
    flagged = not _ONLY_NORMAL.issuperset(flags.values())  # any flag other than N
    return (
        station_id,
        int(packet.cn),
        packet.data_time,
        *columns,
        _flags_json(tuple(flags.items())),
        json.dumps(extras, separators=(",", ":")) if extras else "{}",
        now,
    ), flagged


@lru_cache(maxsize=4096)
def _flags_json(items: tuple) -> str:
    """The flags as JSON; a station sends the same flags minute after minute, so this is cached."""
    return json.dumps(dict(items), separators=(",", ":"))


def _insert_readings(rows: list[tuple]) -> int:
    """INSERT … ON CONFLICT DO NOTHING of the rows; the number of rows really inserted.

    PostgreSQL: COPY into a session's temporary table, then one ``INSERT … SELECT`` (psycopg would otherwise
    parse and quote a 8,500-parameter statement in Python for every batch). SQLite: multi-row INSERTs with
    as many rows as its real variable limit allows (not Django's conservative 999), the full-size statement's
    text built once, run on the driver's cursor (Django's wrapper rewrites every ``%s`` on each call).
    """
    if connection.vendor == "postgresql":
        return _copy_readings(rows)
    vendor = connection.vendor
    width = len(READING_COLUMNS) + 6
    per_statement = max(1, min(_ROWS_PER_STATEMENT, _max_params() // width))
    received = connection.ops.adapt_datetimefield_value(rows[0][-1])
    adapt = _time_adapter()
    inserted = 0
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        execute = sqlite3.Cursor.execute if vendor == "sqlite" else type(raw).execute  # not the wrapper's
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list = []
            for row in chunk:
                params += (row[0], row[1], adapt(row[2]), *row[3:-1], received)
            execute(raw, _insert_sql(vendor, len(chunk), full=len(chunk) == per_statement), params)
            inserted += raw.rowcount
    return inserted


_BATCH_TABLE = "envgrid_reading_batch"
_COLUMNS = ("station_id", "cn", "data_time", *READING_COLUMNS, "flags", "extras", "received_at")
_READINGS = Reading._meta.db_table


def _copy_readings(rows: list[tuple]) -> int:
    """PostgreSQL: COPY the rows into a temporary table, then move them with ON CONFLICT DO NOTHING."""
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        # Every time, not once per session: a rolled-back transaction takes the table's creation with it.
        raw.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_BATCH_TABLE} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {_READINGS} WITH NO DATA"
        )
        with raw.copy(f"COPY {_BATCH_TABLE} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
        raw.execute(
            f"WITH batch AS (DELETE FROM {_BATCH_TABLE} RETURNING {columns}) "
            f"INSERT INTO {_READINGS} ({columns}) SELECT {columns} FROM batch "
            "ON CONFLICT (station_id, cn, data_time) DO NOTHING"
        )
        return raw.rowcount


_ROWS_PER_STATEMENT = 500
_INSERT_SQL: dict[tuple[str, int], str] = {}


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return min(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), 32766)
    return connection.features.max_query_params or 65535  # PostgreSQL's limit


def _insert_sql(vendor: str, count: int, *, full: bool) -> str:
    """The INSERT of ``count`` readings, in the driver's own parameter style; kept when it is the full size."""
    sql = _INSERT_SQL.get((vendor, count))
    if sql is None:
        mark = "?" if vendor == "sqlite" else "%s"
        json_mark = "%s::jsonb" if vendor == "postgresql" else mark
        width = len(READING_COLUMNS) + 6
        row_sql = "(" + ", ".join([mark] * (width - 3) + [json_mark, json_mark, mark]) + ")"
        sql = (
            f"INSERT INTO {_READINGS} (station_id, cn, data_time, {', '.join(READING_COLUMNS)}, flags, "
            f"extras, received_at) VALUES {', '.join([row_sql] * count)} "
            "ON CONFLICT (station_id, cn, data_time) DO NOTHING"
        )
        if full:
            _INSERT_SQL[(vendor, count)] = sql
    return sql


def _time_adapter():
    """``adapt_datetimefield_value`` of the connection, remembered per value on SQLite (text conversion,
    and the readings of one batch share a few minutes); PostgreSQL's driver takes datetimes as they are."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    cache = _ADAPTED_TIMES
    if len(cache) > 4096:
        cache.clear()
    adapt = connection.ops.adapt_datetimefield_value

    def adapted(value):
        text = cache.get(value)
        if text is None:
            text = cache[value] = adapt(value)
        return text

    return adapted


_ADAPTED_TIMES: dict = {}


def _mark_seen(seen: dict[int, tuple[int, bool | None]], now: datetime) -> None:
    """Update last_seen, protocol version and flagged state: one UPDATE per (version, flagged) group, in SQL
    written here (the ORM compiles an ``IN`` of hundreds of ids at a cost the receiver notices per batch)."""
    groups: dict[tuple[int, bool | None], list[int]] = defaultdict(list)
    for station_id, key in seen.items():
        groups[key].append(station_id)
    meta = Station._meta
    table = connection.ops.quote_name(meta.db_table)
    seen_at, version_column, flagged_column, pk_column = (
        connection.ops.quote_name(meta.get_field(name).column)
        for name in ("last_seen_at", "protocol_version", "last_data_flagged", "id")
    )
    seen_value = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for (version, flagged), ids in groups.items():
            assignments = f"{seen_at} = %s, {version_column} = %s"
            values: list = [seen_value, version]
            if flagged is not None:
                assignments += f", {flagged_column} = %s"
                values.append(flagged)
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk_column} IN ({marks})", values + chunk)


def receiver_stat_save(*, name: str, started_at: datetime, counters: dict) -> None:
    """Save the running receiver's counters for its status page."""
    ReceiverStat.objects.update_or_create(
        name=name, defaults={"started_at": started_at, "updated_at": timezone.now(), **counters}
    )
