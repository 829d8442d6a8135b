"""The fleet's run history: every run, per tenant, in one SQLite file (the standard library's, no server).

A team that runs the fleet every night needs yesterday to say what changed
today. ``fleet TARGETS.toml --history PATH.sqlite`` records, per tenant and run:
when, the readiness, each check's status and summary, the TOPdesk version, the
password expiry, the duration and the number of requests. Never a password,
never evidence (the raw answers TOPdesk gave), never a setting.

How the file stays trustworthy:

- **Schema with a version table**, created and migrated here (``MIGRATIONS``);
  a file written by a newer tool is refused, not guessed at.
- **WAL mode**: ``fleet history`` and a monitoring script can read while a run writes.
- **One writer**: a run holds an exclusive lock beside the file for as long as it
  writes, so an overlapping cron job says so instead of interleaving two runs.
- **One transaction per tenant result**: a run that is interrupted (Ctrl-C, a
  killed job, a full disk) leaves every finished tenant recorded and nothing half
  written; the run itself is marked ``interrupted`` and the next run goes on.

The file is created readable by its owner only: it names customers and their hosts.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from topdesk_preflight.fleet_changes import FleetChanges, Snapshot, TenantChange, classify
from topdesk_preflight.settings import SettingsError

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.fleet import TenantOutcome

SUMMARY_LIMIT = 2_000  # characters of a check's summary kept: a one-line verdict, never a dump
BUSY_TIMEOUT_MS = 10_000

#: Each step takes the schema from version N-1 to N; a new version appends a step, never edits one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        uid TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
        tool_version TEXT NOT NULL,
        shard TEXT,
        tenants_planned INTEGER NOT NULL
    );
    CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        run_uid TEXT NOT NULL REFERENCES runs (uid),
        slug TEXT NOT NULL,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        readiness TEXT NOT NULL CHECK (readiness IN ('ready', 'not_ready', 'unknown')),
        error TEXT,
        topdesk_version TEXT,
        product_version TEXT,
        app_password_expires TEXT,
        password_days_left INTEGER,
        duration_s REAL NOT NULL,
        requests INTEGER NOT NULL,
        UNIQUE (run_uid, slug)
    );
    CREATE INDEX results_by_tenant ON results (slug, checked_at);
    CREATE TABLE texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
    CREATE TABLE checks (
        result_id INTEGER NOT NULL REFERENCES results (id),
        check_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'error', 'skipped')),
        silenced INTEGER NOT NULL,
        summary_id INTEGER NOT NULL REFERENCES texts (id),
        PRIMARY KEY (result_id, check_id)
    ) WITHOUT ROWID;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class History:
    """An open history file. Use :meth:`open`; as a context manager it closes itself."""

    def __init__(self, path: Path, connection: sqlite3.Connection, *, writer: bool) -> None:
        self.path = path
        self._db = connection
        self._lock = threading.Lock()  # one connection, one writer: tenant threads take turns
        self._lock_file: int | None = None
        self.writer = writer
        #: Tenants whose result could not be written (a full disk, say): said at the end, never lost silently.
        self.failures: list[str] = []
        #: CPU seconds spent recording and comparing (this process's threads): what the history costs a run.
        #: CPU, not wall time: a thread waiting for the interpreter lock is not the history's cost.
        self.cpu_seconds = 0.0

    # -- opening ---------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, write: bool = True) -> History:
        """Open (and with ``write``, create or migrate) a history, or raise a one-line SettingsError."""
        target = Path(path)
        label = f"The history file {os.fspath(path)!r}"
        if target.is_dir():
            raise SettingsError(f"{label} is a directory, not an SQLite file.")
        if not target.exists():
            if not write:
                raise SettingsError(f"{label} does not exist.")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))  # private before SQLite opens it
            except OSError as exc:
                raise SettingsError(f"Cannot create {label[4:]}: {exc.strerror or exc}.") from None
        elif not os.access(target, os.R_OK | (os.W_OK if write else 0)):
            raise SettingsError(f"{label} cannot be {'written' if write else 'read'} (permission denied).")
        history: History | None = None
        try:
            if write:
                connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False,
                                             timeout=BUSY_TIMEOUT_MS / 1000)
            else:
                connection = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                             check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            history = cls(target, connection, writer=write)
            if write:
                history._take_writer_lock(label)
            history._prepare(label)
        except sqlite3.DatabaseError as exc:
            if history is not None:
                history.close()
            raise SettingsError(f"{label} is not a topdesk-preflight history (SQLite said: {exc}).") from None
        except BaseException:
            if history is not None:
                history.close()
            raise
        return history

    def _take_writer_lock(self, label: str) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: SQLite's own locking still keeps the file consistent
            return
        lock_path = f"{self.path}.lock"
        try:
            handle = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            raise SettingsError(f"Cannot lock {label[4:]} ({lock_path}): {exc.strerror or exc}.") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            raise SettingsError(f"{label} is being written by another fleet run (its lock {lock_path} is held): "
                                "wait for it to finish, or give this run another --history file.") from None
        self._lock_file = handle

    def _prepare(self, label: str) -> None:
        db = self._db
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_version" not in tables:
            raise SettingsError(f"{label} is an SQLite database, but not a topdesk-preflight history "
                                f"(it has the tables {', '.join(sorted(tables)[:5])}).")
        version = 0
        if tables:
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            version = int(row[0] or 0)
        if version > len(MIGRATIONS):
            raise SettingsError(f"{label} was written by a newer topdesk-preflight (history schema {version}; "
                                f"this one knows up to {len(MIGRATIONS)}): upgrade topdesk-preflight.")
        if not self.writer:
            if not tables:
                raise SettingsError(f"{label} holds no fleet history yet: run a fleet with --history on it first.")
            if version < len(MIGRATIONS):
                raise SettingsError(f"{label} has history schema {version}; run a fleet with --history on it "
                                    f"once to migrate it to {len(MIGRATIONS)}.")
            return
        # WAL: readers go on while a run writes. A file system without shared memory (a network mount) refuses
        # it and SQLite keeps its rollback journal: slower for readers, as consistent.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
        db.execute("PRAGMA foreign_keys = ON")
        if version < len(MIGRATIONS):
            db.execute("BEGIN IMMEDIATE")
            try:
                if not tables:
                    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                for step in MIGRATIONS[version:]:
                    for statement in step.split(";"):
                        if statement.strip():
                            db.execute(statement)
                db.execute("DELETE FROM schema_version")
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (len(MIGRATIONS),))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        # A run that never finished (killed, power cut) is interrupted, not still running: this one holds the lock.
        db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            finally:
                if self._lock_file is not None:
                    os.close(self._lock_file)
                    self._lock_file = None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # -- writing -------------------------------------------------------------------------------------------
    def begin_run(self, *, tenants_planned: int, shard: str | None = None, uid: str | None = None) -> str:
        """Record that a run started; returns its id (a UUID, so merged histories never collide)."""
        from topdesk_preflight import __version__

        run_uid = uid or uuid.uuid4().hex
        with self._lock:
            self._db.execute("INSERT INTO runs (uid, started_at, status, tool_version, shard, tenants_planned) "
                             "VALUES (?, ?, 'running', ?, ?, ?)", (run_uid, _now(), __version__, shard, tenants_planned))
        return run_uid

    def finish_run(self, run_uid: str, *, status: str = "complete") -> None:
        with self._lock:
            self._db.execute("UPDATE runs SET status = ?, finished_at = ? WHERE uid = ?", (status, _now(), run_uid))

    def forget_before(self, cutoff: datetime) -> tuple[int, int]:
        """Delete the results checked before ``cutoff``, but each tenant's latest; then the runs left empty.

        ``fleet --history-keep DAYS`` calls it after a run is recorded, so a nightly job's file
        stops growing (SQLite reuses the freed pages; ``VACUUM`` would shrink it). A tenant's
        latest result always stays, however old: the next run compares with it, and "broken
        since" can then only reach back as far as what is kept. One transaction: all or nothing.
        Returns (results, runs) deleted.
        """
        old = ("SELECT id FROM results WHERE checked_at < ? AND id NOT IN "
               "(SELECT id FROM results AS r WHERE checked_at = "
               "(SELECT MAX(checked_at) FROM results WHERE slug = r.slug))")
        when = cutoff.astimezone(UTC).isoformat(timespec="microseconds")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(f"DELETE FROM checks WHERE result_id IN ({old})", (when,))
                results = self._db.execute(f"DELETE FROM results WHERE id IN ({old})", (when,)).rowcount
                runs = self._db.execute("DELETE FROM runs WHERE status != 'running' AND COALESCE(finished_at, "
                                        "started_at) < ? AND uid NOT IN (SELECT run_uid FROM results)",
                                        (when,)).rowcount
                self._db.execute("DELETE FROM texts WHERE id NOT IN (SELECT summary_id FROM checks)")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return results, runs

    def record(self, run_uid: str, outcome: "TenantOutcome", *, today: date) -> bool:
        """Write one tenant's result in one transaction; False (and noted in ``failures``) if it could not be."""
        started = time.thread_time()
        row, checks = _rows(outcome, today)
        try:
            with self._lock:
                db = self._db
                db.execute("BEGIN IMMEDIATE")
                try:
                    cursor = db.execute(
                        "INSERT INTO results (run_uid, slug, name, url, checked_at, readiness, error, topdesk_version,"
                        " product_version, app_password_expires, password_days_left, duration_s, requests) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (run_uid, *row))
                    result_id = cursor.lastrowid
                    db.executemany("INSERT OR IGNORE INTO texts (text) VALUES (?)", [(c[3],) for c in checks])
                    db.executemany(
                        "INSERT INTO checks (result_id, check_id, status, silenced, summary_id) "
                        "SELECT ?, ?, ?, ?, id FROM texts WHERE text = ?",
                        [(result_id, *check) for check in checks])
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:  # a full disk or a closed database must not lose the other tenants
            self.failures.append(f"{outcome.tenant.name}: {exc}")
            return False
        finally:
            self.cpu_seconds += time.thread_time() - started
        return True

    # -- reading -------------------------------------------------------------------------------------------
    def snapshots(self, slug: str, *, before: datetime | None = None,
                  exclude_run: str | None = None) -> Iterator[Snapshot]:
        """The tenant's recorded runs, newest first (lazily: a caller that stops early reads little)."""
        query = ("SELECT id, slug, name, checked_at, readiness, error, password_days_left, "
                 "(SELECT COUNT(*) FROM checks WHERE result_id = results.id) FROM results WHERE slug = ?")
        params: list[object] = [slug]
        if before is not None:
            query += " AND checked_at < ?"
            params.append(before.astimezone(UTC).isoformat(timespec="microseconds"))
        if exclude_run is not None:
            query += " AND run_uid != ?"
            params.append(exclude_run)
        rows = self._db.execute(query + " ORDER BY checked_at DESC, id DESC", params)
        for result_id, slug_, name, checked_at, readiness, error, days_left, check_count in rows:
            broken = [r[0] for r in self._db.execute(
                "SELECT check_id FROM checks WHERE result_id = ? AND status IN ('fail', 'error') AND silenced = 0",
                (result_id,))]
            yield Snapshot(slug=slug_, name=name, checked_at=parse_time(checked_at), readiness=readiness,
                           broken=broken, assessed=check_count > 0, password_days_left=days_left, error=error)

    def changes(self, outcomes: Sequence["TenantOutcome"], run_uid: str, *, today: date,
                window_days: int) -> FleetChanges:
        """Each tenant of this run against its own previous recorded run (whichever run that was)."""
        started = time.thread_time()
        found: list[TenantChange] = []
        for outcome in outcomes:
            current = snapshot_of(outcome, today)
            earlier = self.snapshots(outcome.tenant.slug, before=current.checked_at, exclude_run=run_uid)
            previous = next(earlier, None)
            streak: list[Snapshot] = []
            if previous is not None and previous.readiness == current.readiness:
                streak.append(previous)
                for snapshot in earlier:
                    if snapshot.readiness != current.readiness:
                        break
                    streak.append(snapshot)
            found.append(classify(current, previous, position=outcome.tenant.position, streak=streak,
                                  window_days=window_days))
        self.cpu_seconds += time.thread_time() - started
        return FleetChanges(found, window_days=window_days)

    def connection(self) -> sqlite3.Connection:
        """The raw connection, for the timeline and merge modules (read with it; write only through here)."""
        return self._db


def snapshot_of(outcome: "TenantOutcome", today: date) -> Snapshot:
    """This run's side of the comparison, from the outcome in memory."""
    report = outcome.report
    expires = outcome.tenant.app_password_expires
    return Snapshot(
        slug=outcome.tenant.slug, name=outcome.tenant.name,
        checked_at=outcome.checked_at or datetime.now(UTC), readiness=outcome.readiness,
        broken=() if report is None else (r.id for r in report.results if r.counts_against_readiness),
        assessed=report is not None, password_days_left=None if expires is None else (expires - today).days,
        error=outcome.error)


def _rows(outcome: "TenantOutcome", today: date) -> tuple[tuple[object, ...], list[tuple[str, str, int, str]]]:
    """The values of a ``results`` row and its ``checks`` rows: texts as the report shows them, passwords masked."""
    tenant, report = outcome.tenant, outcome.report
    expires = tenant.app_password_expires
    checked_at = (outcome.checked_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")

    def clean(text: str | None) -> str | None:
        if text is None:
            return None
        masked = report.redact(text) if report is not None else text
        return masked[:SUMMARY_LIMIT]

    row = (tenant.slug, tenant.name, tenant.url, checked_at, outcome.readiness, clean(outcome.error),
           report.target.api_version if report else None, report.target.product_version if report else None,
           expires.isoformat() if expires else None, None if expires is None else (expires - today).days,
           outcome.duration_s, outcome.requests)
    checks = [] if report is None else [
        (r.id, r.status.value, int(r.silenced is not None), clean(r.summary) or "") for r in report.results]
    return row, checks
