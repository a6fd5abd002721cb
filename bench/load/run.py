"""The load test: the production topology under agents, customers,
monitoring and a manager, with faults if asked, and one report.

Steps:

1. ``scripts/cluster.sh start``: PostgreSQL primary and streaming replica,
   two prefork Odoo servers reading from the replica, one cron-only server,
   nginx in front (docs/deploy.md);
2. locust in its own virtualenv, ``.local/locust-venv`` (Odoo pins an older
   gevent than locust 2.x needs), made here with ``python3 -m venv`` and
   ``pip install locust``;
3. ``bench/load/loader.py``: open tickets, stopped clocks, the run's watched
   tickets, the users;
4. counters before: ``pg_stat_database`` of the primary and of the replica,
   where the server logs end, the escalation events;
5. locust, headless, for the duration (``locustfile.py``: 50 agents, 200
   portal customers, Alertmanager, one manager editing a tier mid-run),
   while every Odoo process's memory is sampled every 3 s and, with
   ``--faults``: one Odoo server SIGKILLed then restarted, the replica
   restarted, the cron server stopped (5 min; 30 s in ``--short``) then
   restarted;
6. after it: the jobs given time to catch up, then the counters again, the
   new log lines (errors, deadlocks, serialization retries, read-only
   retries, recycled workers), ``bench/reconcile.py`` on the database, and
   the escalations counted exactly: no (clock, rule) twice, every threshold
   reached on a watched ticket fired once, late ones marked late.

Prints one report; exits non-zero when a target is missed.

Usage::

    .venv/bin/python bench/load/run.py [--short] [--faults] [--duration S]
        [--open N] [--stopped N] [--no-cluster] [--keep]

``--short``: 2 minutes, 10,000 open tickets, 100,000 stopped clocks (what
``make bench`` runs). The topology is left running (``scripts/cluster.sh
stop`` stops it) unless ``--stop`` is given.
"""

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLUSTER = ROOT / ".local" / "cluster"
VENV = ROOT / ".venv"
LOCUST_VENV = ROOT / ".local" / "locust-venv"
OUT = ROOT / ".local" / "load"
SERVERS = ("a", "b")
WORKERS = int(os.environ.get("SLA_CLUSTER_WORKERS", "2"))
FRONT_PORT = int(os.environ.get("SLA_CLUSTER_PORT", "8080"))
# Odoo's default limit_memory_soft: a prefork worker past it is recycled
# (Odoo compares the process's virtual size on Linux)
LIMIT_MEMORY_SOFT = 2048 * 1024 * 1024
SAMPLE_SECONDS = 3.0
LOGIN_RATE = 10
KILL_PHASE = "server a killed, restarting"
RAMP_PHASE = "users logging in (ramp-up)"
STEADY = "no fault"
CONFLICT_ERRORS = "serialization conflicts at ERROR (sql_db)"
CONFLICT = re.compile(r"could not serialize|deadlock detected|could not obtain lock")
LOG_PATTERNS = {
    "errors": re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) "),
    "deadlocks": re.compile(r"deadlock_detected|deadlock detected", re.I),
    "serialization retries (INFO)": re.compile(
        r"(serialization_failure|lock_not_available|deadlock_detected), \d+ tries left",
        re.I,
    ),
    "retries exhausted": re.compile(r"maximum number of tries reached"),
    "conflicts handled by the SLA jobs": re.compile(
        r"concurrent update|concurrent updates", re.I
    ),
    "read-only retries": re.compile(r"retrying with a read/write cursor"),
    "replica unreachable, primary used": re.compile(
        r"Failed to open a readonly cursor"
    ),
    "workers recycled": re.compile(
        r"virtual memory limit|CPU time limit|max request \(|Gevent virtual memory"
    ),
    "late escalations (WARNING)": re.compile(r"fired \d+ minutes late"),
}


def say(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def _port(name):
    return int((CLUSTER / f"{name}.port").read_text().strip())


# ----------------------------------------------------------------------
# topology
# ----------------------------------------------------------------------


def _pid(name):
    path = CLUSTER / f"odoo-{name}.pid"
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


def start_server(name):
    """Start one Odoo server as scripts/cluster.sh does (its conf file is
    there already): not through cluster.sh, which would update the addons."""
    conf = CLUSTER / f"odoo-{name}.conf"
    cmd = [str(VENV / "bin" / "odoo"), "-c", str(conf)]
    if name == "cron":
        cmd += ["--no-http", "--workers", "0", "--max-cron-threads", "2"]
    else:
        cmd += [
            "--workers",
            str(WORKERS),
            "--max-cron-threads",
            "0",
            "--http-port",
            str(_port(f"http-{name}")),
            "--gevent-port",
            str(_port(f"ws-{name}")),
        ]
    subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if name != "cron":
        url = f"http://127.0.0.1:{_port(f'http-{name}')}/web/login"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"Odoo server {name} did not come back")


def kill_server(name):
    """SIGKILL the server and all its processes (a crash, or the OOM killer
    taking the whole service down)."""
    pid = _pid(name)
    if pid:
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    # the pid file stays behind, as after any crash
    deadline = time.monotonic() + 10
    while pid and psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.2)


def stop_server(name):
    pid = _pid(name)
    if not pid:
        return
    os.kill(pid, signal.SIGTERM)
    try:
        psutil.Process(pid).wait(60)
    except psutil.TimeoutExpired:
        os.killpg(os.getpgid(pid), signal.SIGKILL)


def _pg_home():
    local = CLUSTER / "pg"
    if (local / "primary" / "PG_VERSION").exists():
        return local
    out = (
        subprocess.run(
            ["bash", "-c", "getent passwd postgres | cut -d: -f6"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        or "/var/lib/postgresql"
    )
    digest = subprocess.run(
        ["bash", "-c", f'printf %s "{ROOT}" | sha256sum | cut -c1-12'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(out) / "sla-clusters" / f"{ROOT.name}-{digest}-topology"


def restart_replica():
    pgbin = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
    )[-1]
    cmd = [
        str(pgbin / "pg_ctl"),
        "-D",
        str(_pg_home() / "replica"),
        "-m",
        "fast",
        "-w",
        "-t",
        "120",
        "restart",
    ]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd="/")


def ensure_locust():
    locust = LOCUST_VENV / "bin" / "locust"
    if not locust.exists():
        say("creating the locust virtualenv in .local/locust-venv")
        subprocess.run(["python3", "-m", "venv", str(LOCUST_VENV)], check=True)
        subprocess.run(
            [
                str(LOCUST_VENV / "bin" / "pip"),
                "install",
                "-q",
                "--disable-pip-version-check",
                "locust>=2.20,<3",
            ],
            check=True,
        )
    return locust


# ----------------------------------------------------------------------
# measurements
# ----------------------------------------------------------------------


def _conn(port, db):
    conn = psycopg2.connect(
        host="127.0.0.1", port=port, user="odoo", password="odoo", dbname=db
    )
    conn.autocommit = True
    return conn


STAT_COLUMNS = (
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
    "deadlocks",
    "conflicts",
)


def pg_stats(db):
    stats = {}
    for name in ("primary", "replica"):
        conn = _conn(_port(f"pg-{name}"), db)
        with conn.cursor() as cr:
            cr.execute("SELECT pg_stat_clear_snapshot()")
            cr.execute(
                f"SELECT {', '.join(STAT_COLUMNS)} FROM pg_stat_database"
                " WHERE datname = %s",
                [db],
            )
            stats[name] = dict(zip(STAT_COLUMNS, cr.fetchone(), strict=True))
        conn.close()
    return stats


class MemorySampler(threading.Thread):
    """Every Odoo process's memory, every few seconds: {pid: facts}."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.seen = {}

    def _role(self, proc, server, master):
        if proc.pid == master:
            return "cron server (threaded)" if server == "cron" else "master"
        try:
            cmdline = proc.cmdline()
        except psutil.Error:
            return "?"
        return "gevent (websocket)" if "gevent" in cmdline else "HTTP worker"

    def sample(self):
        for server in (*SERVERS, "cron"):
            master = _pid(server)
            if not master:
                continue
            try:
                root = psutil.Process(master)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for proc in procs:
                try:
                    info = proc.memory_info()
                except psutil.Error:
                    continue
                key = proc.pid
                facts = self.seen.get(key)
                if facts is None:
                    facts = self.seen[key] = {
                        "server": server,
                        "role": self._role(proc, server, master),
                        "first": time.time(),
                        "rss": 0,
                        "vms": 0,
                    }
                facts["last"] = time.time()
                facts["samples"] = facts.get("samples", 0) + 1
                # a process forked by a server shows the server's command line
                # until it executes its own (the websocket worker)
                if facts["role"] == "HTTP worker":
                    facts["role"] = self._role(proc, server, master)
                facts["rss"] = max(facts["rss"], info.rss)
                facts["vms"] = max(facts["vms"], info.vms)

    def run(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(SAMPLE_SECONDS)


def log_offsets():
    offsets = {}
    for path in CLUSTER.glob("odoo-*.log"):
        offsets[path.name] = path.stat().st_size
    return offsets


def log_counts(offsets):
    """Counts of LOG_PATTERNS in the lines written since `offsets`. Odoo's
    sql_db logs every failing query at ERROR, a serialization failure that
    the request then retries too: those are counted apart from the errors."""
    counts = dict.fromkeys(LOG_PATTERNS, 0)
    counts[CONFLICT_ERRORS] = 0
    samples = defaultdict(list)

    def count(key, path, line):
        counts[key] += 1
        if len(samples[key]) < 5:
            samples[key].append(f"{path.name}: {line[:240]}")

    for path in sorted(CLUSTER.glob("odoo-*.log")):
        if path.name == "odoo-setup.log":
            continue
        with path.open("rb") as handle:
            handle.seek(offsets.get(path.name, 0))
            lines = [raw.decode("utf-8", "replace").rstrip() for raw in handle]
        for number, line in enumerate(lines):
            for key, pattern in LOG_PATTERNS.items():
                if not pattern.search(line):
                    continue
                detail = " ".join(lines[number + 1 : number + 3])
                conflict = "bad query" in line and CONFLICT.search(detail)
                count(
                    CONFLICT_ERRORS if key == "errors" and conflict else key, path, line
                )
    return counts, samples


# ----------------------------------------------------------------------
# the run
# ----------------------------------------------------------------------


class Timeline:
    """The faults, when each began and ended, for failures per phase."""

    def __init__(self):
        self.phases = []  # (name, start, end)
        self.notes = []

    def phase(self, name, start, end):
        self.phases.append((name, start, end))

    def of(self, when):
        for name, start, end in self.phases:
            if start <= when <= end:
                return name
        return STEADY


def run_faults(args, t0, timeline, done):
    """The fault schedule, in its own thread, relative to locust's start."""
    duration = args.duration
    plan = [
        (0.10, "kill"),
        (0.30 if args.short else 0.33, "replica"),
        (0.45 if args.short else 0.20, "cron"),
    ]
    cron_down = 30 if args.short else min(300, duration // 2)
    kill_down = 10 if args.short else 20
    for fraction, what in sorted(plan):
        at = t0 + duration * fraction
        while time.time() < at:
            if done.wait(0.5):
                return
        start = time.time()
        if what == "kill":
            say("fault: SIGKILL of Odoo server a")
            kill_server("a")
            time.sleep(kill_down)
            start_server("a")
            timeline.phase(KILL_PHASE, start, time.time() + 2)
            timeline.notes.append(
                f"server a SIGKILLed at +{start - t0:.0f} s, serving again"
                f" {time.time() - start:.0f} s later"
            )
        elif what == "replica":
            say("fault: replica restart")
            restart_replica()
            timeline.phase("replica restarting", start - 1, time.time() + 5)
            timeline.notes.append(
                f"replica restarted at +{start - t0:.0f} s,"
                f" up again {time.time() - start:.0f} s later"
            )
        else:
            say(f"fault: cron server stopped for {cron_down} s")
            stop_server("cron")

            def restart(start=start):
                stopped = time.time()
                while time.time() < stopped + cron_down:
                    time.sleep(0.5)
                start_server("cron")
                timeline.phase("cron server stopped", start, time.time())
                timeline.notes.append(
                    f"cron server stopped at +{start - t0:.0f} s for"
                    f" {time.time() - start:.0f} s"
                )

            thread = threading.Thread(target=restart, daemon=True)
            thread.start()
            timeline.cron_thread = thread


def escalation_snapshot(db):
    conn = _conn(_port("pg-primary"), db)
    with conn.cursor() as cr:
        cr.execute("SELECT coalesce(max(id), 0) FROM sla_escalation_event")
        last_event = cr.fetchone()[0]
        cr.execute("SELECT coalesce(max(id), 0) FROM sla_breach")
        last_breach = cr.fetchone()[0]
        cr.execute("SELECT coalesce(max(id), 0) FROM sla_update")
        last_update = cr.fetchone()[0]
        cr.execute("SELECT coalesce(max(id), 0) FROM sla_incident")
        last_incident = cr.fetchone()[0]
        cr.execute("SELECT coalesce(max(id), 0) FROM helpdesk_ticket")
        last_ticket = cr.fetchone()[0]
    conn.close()
    return {
        "event": last_event,
        "breach": last_breach,
        "update": last_update,
        "incident": last_incident,
        "ticket": last_ticket,
    }


def _behind(cr):
    cr.execute(
        """SELECT count(*) FILTER (WHERE sla_escalation_at <= (now() at time zone 'UTC')
                                         - interval '30 seconds'),
                  count(*) FILTER (WHERE state = 'running'
                                     AND deadline <= (now() at time zone 'UTC')
                                         - interval '30 seconds')
             FROM sla_clock
            WHERE stopped_at IS NULL AND paused_since IS NULL"""
    )
    return cr.fetchone()


def catch_up(db, limit):
    """Give the cron server time to fire what came due (it may have been
    stopped): until nothing is more than 30 s overdue."""
    conn = _conn(_port("pg-primary"), db)
    started = time.monotonic()
    with conn.cursor() as cr:
        while True:
            escalations, breaches = _behind(cr)
            if (escalations == 0 and breaches == 0) or (
                time.monotonic() - started > limit
            ):
                break
            say(f"catching up: {escalations} escalations, {breaches} breaches overdue")
            time.sleep(5)
    conn.close()
    return escalations, breaches, time.monotonic() - started


def exactly_once(db, config, before, cron_windows):
    """Escalations counted: none twice, every threshold reached by a watched
    clock fired, the late ones marked late."""
    conn = _conn(_port("pg-primary"), db)
    figures = {}
    with conn.cursor() as cr:
        cr.execute(
            """SELECT count(*), count(DISTINCT (clock_id, rule_id)),
                      count(*) FILTER (WHERE state = 'done'),
                      count(*) FILTER (WHERE state = 'skipped'),
                      count(*) FILTER (WHERE state = 'failed'),
                      count(*) FILTER (WHERE late_minutes > 0)
                 FROM sla_escalation_event WHERE id > %s""",
            [before["event"]],
        )
        (
            figures["events"],
            figures["distinct"],
            figures["done"],
            figures["skipped"],
            figures["failed"],
            figures["late"],
        ) = cr.fetchone()
        cr.execute(
            "SELECT count(*) - count(DISTINCT (clock_id, rule_id))"
            " FROM sla_escalation_event"
        )
        figures["duplicates_ever"] = cr.fetchone()[0]
        # the watched clocks: which thresholds they reached, by their own
        # instants (24/7 calendar, never paused, untouched by the agents)
        cr.execute(
            """
            WITH w AS (
                SELECT k.id, k.metric, k.tier_id, k.start_at, k.target_minutes,
                       k.stopped_at, k.paused_since, k.company_id
                  FROM sla_clock k
                  JOIN helpdesk_ticket t ON t.id = k.ticket_id
                 WHERE t.number LIKE %(prefix)s
            ), due AS (
                SELECT w.id AS clock_id, r.id AS rule_id,
                       w.start_at + w.target_minutes * r.threshold_percent / 100.0
                           * interval '1 minute' AS due_at
                  FROM w
                  JOIN sla_escalation_rule r
                    ON r.active AND r.metric = w.metric
                   AND r.company_id = w.company_id
                   AND (NOT EXISTS (SELECT 1 FROM sla_escalation_rule_sla_tier_rel x
                                     WHERE x.sla_escalation_rule_id = r.id)
                        OR EXISTS (SELECT 1 FROM sla_escalation_rule_sla_tier_rel x
                                    WHERE x.sla_escalation_rule_id = r.id
                                      AND x.sla_tier_id = w.tier_id))
                 WHERE w.start_at + w.target_minutes * r.threshold_percent / 100.0
                           * interval '1 minute'
                       <= LEAST(coalesce(w.stopped_at, 'infinity'),
                                (now() at time zone 'UTC') - interval '30 seconds')
            )
            SELECT count(*),
                   count(e.id),
                   count(*) FILTER (WHERE e.id IS NULL),
                   count(e.id) FILTER (WHERE e.late_minutes > 0),
                   array_agg(e.due_at) FILTER (WHERE e.id IS NOT NULL),
                   array_agg(e.late_minutes) FILTER (WHERE e.id IS NOT NULL),
                   (SELECT count(*) FROM w)
              FROM due
              LEFT JOIN sla_escalation_event e
                ON e.clock_id = due.clock_id AND e.rule_id = due.rule_id
            """,
            {"prefix": config["watched_run_prefix"] + "%"},
        )
        (
            figures["watched_due"],
            figures["watched_fired"],
            figures["watched_missed"],
            figures["watched_late"],
            due_ats,
            lates,
            figures["watched_clocks"],
        ) = cr.fetchone()
        # thresholds reached while the cron server was down must say so
        late_expected = late_marked = 0
        for due_at, late in zip(due_ats or [], lates or [], strict=True):
            stamp = due_at.replace(tzinfo=UTC).timestamp()
            for start, end in cron_windows:
                # the scheduler's normal delay is not lateness (2 min)
                if start <= stamp and end - stamp > 150:
                    late_expected += 1
                    late_marked += bool(late)
        figures["late_expected"] = late_expected
        figures["late_marked"] = late_marked
        cr.execute(
            "SELECT count(*) FROM sla_escalation_event e JOIN sla_clock k"
            " ON k.id = e.clock_id JOIN helpdesk_ticket t ON t.id = k.ticket_id"
            " WHERE t.number LIKE %s AND e.due_at > e.fired_at + interval '5 seconds'",
            [config["watched_run_prefix"] + "%"],
        )
        figures["fired_early"] = cr.fetchone()[0]
        escalations, breaches = _behind(cr)
        figures["overdue_escalations"] = escalations
        figures["overdue_breaches"] = breaches
        cr.execute("SELECT count(*) FROM sla_breach WHERE id > %s", [before["breach"]])
        figures["breaches"] = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM helpdesk_ticket WHERE id > %s AND number NOT LIKE %s",
            [before["ticket"], config["watched_prefix"] + "%"],
        )
        figures["tickets_created"] = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE end_at IS NOT NULL)"
            " FROM sla_incident WHERE id > %s",
            [before["incident"]],
        )
        figures["incidents"], figures["incidents_closed"] = cr.fetchone()
        cr.execute(
            "SELECT name, state, total, done, at, finished_at FROM sla_update"
            " WHERE id > %s ORDER BY id",
            [before["update"]],
        )
        figures["updates"] = cr.fetchall()
    conn.close()
    return figures


def _percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def read_requests(path, timeline):
    per_name = defaultdict(lambda: {"times": [], "failures": 0})
    per_phase = defaultdict(lambda: [0, 0])
    errors = defaultdict(int)
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if len(row) < 4:
                continue
            when, name, ms, failed = float(row[0]), row[1], float(row[2]), row[3] == "1"
            entry = per_name[name]
            entry["times"].append(ms)
            phase = timeline.of(when)
            if phase == STEADY:
                entry.setdefault("steady", []).append(ms)
            per_phase[phase][0] += 1
            if failed:
                entry["failures"] += 1
                per_phase[phase][1] += 1
                errors[(phase, name, row[4][:120] if len(row) > 4 else "")] += 1
    return per_name, per_phase, errors


def reconcile(db):
    env = dict(os.environ, PGPORT=str(_port("pg-primary")))
    started = time.monotonic()
    proc = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            str(ROOT / "bench" / "reconcile.py"),
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, lines, time.monotonic() - started, proc.stderr


# ----------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--short",
        action="store_true",
        help="2 minutes, 10,000 open tickets, 100,000 stopped clocks",
    )
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--duration", type=int)
    parser.add_argument("--open", type=int)
    parser.add_argument("--stopped", type=int)
    parser.add_argument("--watched", type=int, default=0)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--db", default=os.environ.get("SLA_CLUSTER_DB", "sla_cluster"))
    parser.add_argument(
        "--no-cluster", action="store_true", help="the topology is running already"
    )
    parser.add_argument("--no-reconcile", action="store_true")
    parser.add_argument("--stop", action="store_true", help="stop the topology after")
    args = parser.parse_args()
    args.duration = args.duration or (120 if args.short else 600)
    args.open = args.open or (10_000 if args.short else 100_000)
    if args.stopped is None:
        args.stopped = 100_000 if args.short else 1_000_000
    return args


def load(args, config_path):
    say("loading data (bench/load/loader.py)")
    options = {
        "--config": config_path,
        "--db": args.db,
        "--duration": args.duration,
        "--open": args.open,
        "--stopped": args.stopped,
        "--watched": args.watched,
        "--agents": args.agents,
        "--customers": args.customers,
    }
    cmd = [str(VENV / "bin" / "python"), str(HERE / "loader.py")]
    for option, value in options.items():
        cmd += [option, str(value)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(config_path.read_text())


def front():
    host = f"http://127.0.0.1:{FRONT_PORT}"
    try:
        urllib.request.urlopen(f"{host}/web/login", timeout=10)
    except OSError:
        host = f"http://127.0.0.1:{_port('http-a')}"
        say(f"no front on port {FRONT_PORT}: load on server a only ({host})")
    return host


def warm_up():
    """Each HTTP worker reloads the registry on its next request after the
    loader's changes: done here, before anything is measured."""

    def hit(url):
        for _n in range(4):
            try:
                urllib.request.urlopen(url, timeout=120).read()
            except OSError:
                pass

    threads = [
        threading.Thread(
            target=hit, args=(f"http://127.0.0.1:{_port(f'http-{name}')}/web/login",)
        )
        for name in SERVERS
        for _n in range(WORKERS * 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_locust(args, locust, host, env, prefix):
    """locust for the duration, faults beside it: (start, end, timeline)."""
    users = args.agents + args.customers + 2
    say(f"locust: {users} users for {args.duration} s against {host}")
    cmd = [str(locust), "-f", str(HERE / "locustfile.py"), "--headless"]
    # users log in at LOGIN_RATE a second, as a morning's start
    cmd += ["-u", str(users), "-r", str(LOGIN_RATE), "-t", f"{args.duration}s"]
    cmd += ["--host", host]
    cmd += ["--only-summary", "--csv", str(prefix), "--stop-timeout", "30"]
    t0 = time.time()
    with open(f"{prefix}.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        timeline = Timeline()
        done = threading.Event()
        faults = None
        if args.faults:
            faults = threading.Thread(
                target=run_faults, args=(args, t0, timeline, done), daemon=True
            )
            faults.start()
        proc.wait()
    t1 = time.time()
    done.set()
    # after the faults: a fault during the ramp-up counts as the fault
    timeline.phase(RAMP_PHASE, t0, t0 + users / LOGIN_RATE)
    if faults:
        faults.join()
        cron_thread = getattr(timeline, "cron_thread", None)
        if cron_thread:
            cron_thread.join()
    if not _pid("cron"):
        start_server("cron")
    return t0, t1, timeline


def main():
    args = parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    config_path = OUT / f"config-{stamp}.json"
    requests_path = OUT / f"requests-{stamp}.csv"
    if not args.no_cluster:
        say("starting the topology (scripts/cluster.sh start)")
        subprocess.run([str(ROOT / "scripts" / "cluster.sh"), "start"], check=True)
    locust = ensure_locust()
    config = load(args, config_path)
    host = front()
    warm_up()
    # the watched tickets' thresholds are placed from the run's start
    while time.time() < config["run_start"]:
        time.sleep(0.5)
    r = argparse.Namespace(host=host, stamp=stamp)
    r.before_stats = pg_stats(args.db)
    offsets = log_offsets()
    before = escalation_snapshot(args.db)
    sampler = MemorySampler()
    sampler.start()
    env = dict(
        os.environ, LOAD_CONFIG=str(config_path), LOAD_REQUESTS=str(requests_path)
    )
    r.t0, r.t1, r.timeline = run_locust(
        args, locust, host, env, OUT / f"locust-{stamp}"
    )
    say("locust done; letting the jobs catch up")
    r.overdue = catch_up(args.db, 180 if args.short else 300)
    sampler.stop.set()
    sampler.join()
    r.seen = sampler.seen
    r.after_stats = pg_stats(args.db)
    r.counts, r.samples = log_counts(offsets)
    cron_windows = [
        (start, end)
        for name, start, end in r.timeline.phases
        if name.startswith("cron")
    ]
    r.once = exactly_once(args.db, config, before, cron_windows)
    r.per_name, r.per_phase, r.errors = read_requests(requests_path, r.timeline)
    say("reconciling (bench/reconcile.py)")
    r.rec = (None, ["skipped"], 0.0, "") if args.no_reconcile else reconcile(args.db)
    ok = report(args, config, r)
    if args.stop:
        subprocess.run([str(ROOT / "scripts" / "cluster.sh"), "stop"], check=False)
    return 0 if ok else 1


def report(args, config, r):
    """Print the report; True when every target is met."""
    failures = []
    lines = []
    for section in (
        _report_head,
        _report_requests,
        _report_logs,
        _report_database,
        _report_memory,
        _report_escalations,
        _report_reconcile,
        _report_sizing,
    ):
        lines += section(args, config, r, failures)
        lines.append("")
    lines.append(
        "  RESULT: " + ("all targets met" if not failures else "; ".join(failures))
    )
    text = "\n".join(lines)
    print(text)
    (OUT / f"report-{r.stamp}.txt").write_text(text + "\n", encoding="utf-8")
    return not failures


def _report_head(args, config, r, _failures):
    wall = r.t1 - r.t0
    mode = ("(short) " if args.short else "") + ("with faults " if args.faults else "")
    return [
        f"LOAD TEST {mode}on {args.db}, {datetime.now():%Y-%m-%d %H:%M}",
        f"  {config['open_tickets']:,} open tickets loaded,"
        f" {config['stopped_clocks']:,} stopped clocks,"
        f" {config['watched_count']} watched tickets"
        f" ({config['watched_minutes']} min response targets)",
        f"  {args.agents} agents, {args.customers} portal customers, Alertmanager,"
        f" 1 manager; {wall:.0f} s against {r.host};"
        f" 2 servers x {WORKERS} HTTP workers, 1 cron server",
    ]


def _report_requests(_args, _config, r, failures):
    wall = r.t1 - r.t0
    head = f"{'requests':>8s} {'failed':>6s} {'p50 ms':>8s} {'p95 ms':>8s}"
    head += f" {'steady p95':>10s}"
    out = [f"  {'endpoint':58s} {head}"]
    total = failed = 0
    for name in sorted(r.per_name):
        entry = r.per_name[name]
        times = entry["times"]
        total += len(times)
        failed += entry["failures"]
        out.append(
            f"  {name[:58]:58s} {len(times):8d} {entry['failures']:6d}"
            f" {_percentile(times, 0.5):8.0f} {_percentile(times, 0.95):8.0f}"
            f" {_percentile(entry.get('steady', []), 0.95):10.0f}"
        )
    every = [t for e in r.per_name.values() for t in e["times"]]
    out.append(
        f"  {'all':58s} {total:8d} {failed:6d} {_percentile(every, 0.5):8.0f}"
        f" {_percentile(every, 0.95):8.0f}   ({total / wall:.1f} req/s)"
    )
    out.append("  (steady: outside the ramp-up of logins and the faults' windows)")
    out += ["", "  failed requests by phase:"]
    for phase, (count, bad) in sorted(r.per_phase.items()):
        out.append(f"    {phase:32s} {bad:5d} of {count:6d}")
    worst = sorted(r.errors.items(), key=lambda item: -item[1])[:12]
    for (phase, name, error), count in worst:
        out.append(f"      {count:4d}  [{phase}] {name}: {error}")
    out += [f"    fault: {note}" for note in r.timeline.notes]
    unexpected = sum(
        bad for phase, (_count, bad) in r.per_phase.items() if phase != KILL_PHASE
    )
    if unexpected:
        failures.append(f"{unexpected} requests failed outside the killed server's")
    return out


def _report_logs(_args, _config, r, failures):
    out = ["  server logs (lines since the start):"]
    for key, value in r.counts.items():
        out.append(f"    {key:40s} {value:6d}")
        out += [f"      e.g. {line[:200]}" for line in r.samples.get(key, [])[:3]]
    for key, what in (
        ("errors", "ERROR lines in the logs"),
        ("read-only retries", "read-only retries"),
        ("retries exhausted", "serialization retries exhausted"),
        ("workers recycled", "workers recycled"),
    ):
        if r.counts[key]:
            failures.append(f"{r.counts[key]} {what}")
    return out


def _report_database(_args, _config, r, _failures):
    d = {
        k: {c: r.after_stats[k][c] - r.before_stats[k][c] for c in STAT_COLUMNS}
        for k in r.after_stats
    }
    out = ["  PostgreSQL (pg_stat_database, during the run and catch-up):"]
    for k in ("primary", "replica"):
        read = d[k]["tup_returned"] + d[k]["tup_fetched"]
        written = d[k]["tup_inserted"] + d[k]["tup_updated"] + d[k]["tup_deleted"]
        out.append(
            f"    {k:8s} transactions {d[k]['xact_commit']:9d}"
            f" (+{d[k]['xact_rollback']} rolled back), rows read {read:12d},"
            f" rows written {written:9d}, deadlocks {d[k]['deadlocks']},"
            f" conflicts {d[k]['conflicts']}"
        )
    commits = d["primary"]["xact_commit"] + d["replica"]["xact_commit"]
    reads = {k: d[k]["tup_returned"] + d[k]["tup_fetched"] for k in d}
    out.append(
        "    replica's share:"
        f" {100 * d['replica']['xact_commit'] / max(commits, 1):.1f} % of the"
        f" transactions, {100 * reads['replica'] / max(sum(reads.values()), 1):.1f} %"
        " of the rows read"
    )
    return out


def _report_memory(_args, _config, r, failures):
    out = [
        "  memory per Odoo process (peak; Odoo recycles a worker past"
        f" limit_memory_soft = {LIMIT_MEMORY_SOFT >> 20} MiB of virtual size):"
    ]
    over = 0
    by_server = defaultdict(list)
    for pid, facts in r.seen.items():
        if facts["role"] == "HTTP worker" and facts.get("samples", 0) < 2:
            continue  # caught between fork and exec: not a worker
        by_server[(facts["server"], facts["role"])].append((pid, facts))
    for (server, role), procs in sorted(by_server.items()):
        if role.startswith("gevent") and len(procs) > 2:
            # a websocket worker that dies at once is respawned every few
            # seconds by its server: one line for all of them
            out.append(
                f"    {server:4s} {role:24s} {len(procs)} processes in turn"
                f" (respawned)  RSS {max(f['rss'] for _p, f in procs) >> 20:5d} MiB"
                f"  virtual {max(f['vms'] for _p, f in procs) >> 20:5d} MiB"
            )
            continue
        for pid, facts in sorted(procs, key=lambda item: item[1]["first"]):
            started = facts["first"] - r.t0
            new = f"  (new at +{started:.0f} s)" if started > 5 else ""
            out.append(
                f"    {server:4s} {role:24s} pid {pid:7d}"
                f"  RSS {facts['rss'] >> 20:5d} MiB"
                f"  virtual {facts['vms'] >> 20:5d} MiB{new}"
            )
            if role == "HTTP worker" and facts["vms"] > LIMIT_MEMORY_SOFT:
                over += 1
    if over:
        failures.append(f"{over} workers past limit_memory_soft")
    new_workers = [
        f
        for f in r.seen.values()
        if f["role"] == "HTTP worker"
        and f["first"] > r.t0 + 5
        and f.get("samples", 0) >= 2
    ]
    out.append(
        f"    HTTP workers started during the run: {len(new_workers)}"
        " (by a fault's restart, or recycled: see the logs above)"
    )
    return out


def _report_escalations(_args, config, r, failures):
    once = r.once
    out = [
        "  escalations and breaches:",
        f"    events fired during the run {once['events']} (distinct (clock, rule)"
        f" {once['distinct']}): done {once['done']}, skipped {once['skipped']},"
        f" failed {once['failed']}, late {once['late']}",
        f"    (clock, rule) recorded twice, whole database: {once['duplicates_ever']}",
        f"    watched clocks {once['watched_clocks']}: thresholds reached"
        f" {once['watched_due']}, fired {once['watched_fired']},"
        f" missed {once['watched_missed']}, fired early {once['fired_early']}",
        f"    reached while the cron server was down (> 2.5 min before it came"
        f" back): {once['late_expected']}, marked late {once['late_marked']}",
        f"    still overdue after {r.overdue[2]:.0f} s of catch-up: escalations"
        f" {once['overdue_escalations']}, breaches {once['overdue_breaches']};"
        f" breaches recorded {once['breaches']}",
    ]
    once_ok = (
        once["events"] == once["distinct"]
        and once["duplicates_ever"] == 0
        and once["watched_missed"] == 0
        and once["failed"] == 0
        and once["fired_early"] == 0
        and once["overdue_escalations"] == 0
        and once["late_marked"] == once["late_expected"]
    )
    out.append(f"    exactly once: {'OK' if once_ok else 'FAILED'}")
    if not once_ok:
        failures.append("escalations not exactly once")
    for name, state, total, done, at, finished in once["updates"]:
        took = f", finished {(finished - at).total_seconds():.0f} s after the edit"
        out.append(
            f"    background update '{name}': {state}, {done}/{total}"
            f"{took if finished else ''}"
        )
    edit = [e for n, e in r.per_name.items() if n.startswith("manager")]
    if edit and edit[0]["times"]:
        took = edit[0]["times"][0]
        out.append(
            f"    the manager's edit of {config['edit_target']['tier']}:"
            f" {took:.0f} ms (target < 1000 ms)"
        )
        if took >= 1000:
            failures.append("the manager's edit took 1 s or more")
    out.append(
        f"    Alertmanager: {once['incidents']} incidents opened,"
        f" {once['incidents_closed']} closed"
    )
    return out


def _report_reconcile(_args, _config, r, failures):
    code, lines, took, stderr = r.rec
    verdict = "clean" if code == 0 else "skipped" if code is None else "MISMATCHES"
    out = [f"  reconcile (bench/reconcile.py, {took:.0f} s): {verdict}"]
    out += [f"    {line[:200]}" for line in lines[-6:]]
    if code not in (0, None):
        failures.append("reconcile found mismatches")
        if stderr.strip():
            out.append(f"    {stderr.strip().splitlines()[-1][:200]}")
    return out


def _report_sizing(args, _config, r, _failures):
    wall = r.t1 - r.t0
    created = r.once["tickets_created"]
    agent_times = [
        t
        for name, e in r.per_name.items()
        if name.startswith("agent")
        for t in e["times"]
    ]
    steady = [
        t
        for name, e in r.per_name.items()
        if name.startswith("agent")
        for t in e.get("steady", [])
    ]
    workers = len(SERVERS) * WORKERS
    return [
        "  sizing:",
        f"    tickets created: {created} in {wall:.0f} s ="
        f" {created / wall:.2f} per second (agents and portal)",
        f"    agents per HTTP worker: {args.agents / workers:.1f}"
        f" ({args.agents} agents, {workers} workers) at agent p95"
        f" {_percentile(agent_times, 0.95):.0f} ms, with"
        f" {args.customers / workers:.0f} portal customers per worker beside them"
        f" (outside faults and ramp-up: agent p95 {_percentile(steady, 0.95):.0f} ms,"
        f" p50 {_percentile(steady, 0.5):.0f} ms)",
    ]


if __name__ == "__main__":
    sys.exit(main())
