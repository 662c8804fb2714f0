"""The benchmark behind `make bench` (#10): the app under gunicorn, on PostgreSQL, with
the largest trust's data, loaded from a second process (wrk) on 127.0.0.1.

For each page it measures throughput and p50/p95/p99 latency over a bounded run (a fixed
number of connections for a fixed time, after a warm-up), the ratio of its median to the
floor's (a view that does one indexed query), and the queries it makes; then the peak
memory of each gunicorn worker. The figures go to bench/results/latest.json and
bench/results/latest.md, and the table is printed.

Set-up is done here: the database is created, migrated and seeded (`seed_scale`) when
the trust is not there yet, which takes a few minutes the first time. Knobs, as
environment variables: BENCH_DATABASE_URL, BENCH_SCHOOLS (90), BENCH_YEARS (5),
BENCH_SECONDS (15 a page), BENCH_CONNECTIONS (4), BENCH_WORKERS (4), BENCH_PORT.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
TRUST = "Northway Learning Trust"
BENCH_NOTE = "Made by the benchmark."  # so that later runs can tell them from the seeded
SAVE = "declare: save the answers (POST)"
SUBMIT = "declare: submit, routed to the decider (POST)"
CSRF = secrets.token_hex(16)  # 32 characters: Django's unmasked token length


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/contactpolicy_bench"
)
SCHOOLS = env_int("BENCH_SCHOOLS", 90)
YEARS = env_int("BENCH_YEARS", 5)
SECONDS = env_int("BENCH_SECONDS", 15)
WARM_SECONDS = 3
MOST_POSTS_A_SECOND = 400  # more than the app can take here: the files never run out
CONNECTIONS = env_int("BENCH_CONNECTIONS", 4)
WORKERS = env_int("BENCH_WORKERS", 4)
PORT = env_int("BENCH_PORT", 8765)
SECRET_KEY = "bench-only-" + secrets.token_urlsafe(40)

# Targets (#10): every page within 3x the floor's median, the governors' summary of the
# whole trust for a year within 5x, a worker's peak memory under 200 MB.
PAGE_TARGET = 3.0
SUMMARY_TARGET = 5.0
MEMORY_TARGET_MB = 200


@dataclass
class Page:
    name: str
    path: str
    persona: str  # who asks: a key of personas()
    expected: int = 200
    requests_file: str | None = None
    target: float = PAGE_TARGET
    result: dict = field(default_factory=dict)


def say(text: str) -> None:
    print(text, flush=True)


def run(*command: str, env: dict | None = None) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def django_env(production: bool) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=DATABASE_URL, PYTHONPATH=str(ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if production:
        env.update(
            DJANGO_ENV="production",
            DJANGO_SETTINGS_MODULE="bench.settings",
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            STATIC_ROOT=str(Path(tempfile.gettempdir()) / "contactpolicy-bench-static"),
        )
    return env


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        say("Installing wrk from Debian's packages")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return shutil.which("wrk") or sys.exit("wrk did not install.")
    sys.exit("The benchmark needs wrk: apt-get install wrk")


def ensure_database() -> None:
    import psycopg

    parts = urllib.parse.urlparse(DATABASE_URL)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("BENCH_DATABASE_URL must point at PostgreSQL.")
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    if not _reachable(admin_url) and shutil.which("pg_ctlcluster") and os.geteuid() == 0:
        say("Starting PostgreSQL")
        for version in os.listdir("/etc/postgresql"):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False,
            )
    try:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                say(f"Creating the database {name}")
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL is not reachable at {admin_url}: {error}")


def _reachable(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def prepare() -> None:
    ensure_database()
    dev = django_env(production=False)
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v0", env=dev)
    run(PYTHON, "manage.py", "createcachetable", env=dev)
    loaded = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django, json; django.setup(); from directory.models import Organisation; "
            "from bench.scale import loaded_plan; "
            f"print(json.dumps([Organisation.objects.filter(name={TRUST!r}).exists(), "
            f"loaded_plan({TRUST!r})]))",
        ],
        cwd=ROOT,
        env=dict(dev, DJANGO_SETTINGS_MODULE="contactpolicy.settings"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    exists, plan = json.loads(loaded.splitlines()[-1])
    if exists and not plan:
        sys.exit(
            f"{TRUST} is only partly loaded (a seed_scale run was cut short): drop the "
            f"database ({DATABASE_URL}) and run make bench again."
        )
    if not exists:
        say(f"Seeding {SCHOOLS} settings over {YEARS} years (once; a few minutes)")
        run(
            PYTHON,
            "manage.py",
            "seed_scale",
            f"--schools={SCHOOLS}",
            f"--years={YEARS}",
            f"--name={TRUST}",
            env=dev,
        )
    prod = django_env(production=True)
    run(PYTHON, "manage.py", "collectstatic", "--no-input", "-v0", env=prod)


def serve() -> subprocess.Popen:
    env = django_env(production=True)
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "contactpolicy.wsgi",
            f"--bind=127.0.0.1:{PORT}",
            f"--workers={WORKERS}",
            "--worker-class=sync",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not start.")


def setup_django() -> None:
    os.environ.update(django_env(production=True))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def personas() -> dict[str, object]:
    """The people the pages are asked as, from the seeded trust (bench.scale)."""
    from bench.scale import personas as personas_of
    from directory.models import Organisation

    return personas_of(Organisation.objects.get(name=TRUST))


def session_cookie(person) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(person)
    # Signed in as allauth leaves it after the password and the second factor (R37):
    # the benchmark measures the pages, not the way to the two-step sign-in.
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )

    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(person.pk)
    session.save()
    return (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
        f"{settings.CSRF_COOKIE_NAME}={CSRF}"
    )


def bench_kind():
    """What the benchmark declares: the most common everyday kind that is planned ahead
    (a planned social contact)."""
    from declarations.kinds import kinds_where

    return max(
        (kind for kind in kinds_where(everyday=True) if kind.key_date),
        key=lambda kind: kind.share,
    )


def create_path() -> str:
    return f"/declarations/new/{bench_kind().code}/"


def declaration_form(people: dict) -> dict[str, object]:
    """The kind's example answers as the form posts them, with a form token of its own,
    for a date 20 days ahead."""
    kind = bench_kind()
    today = datetime.date.today()  # noqa: DTZ011
    answers = kind.example_answers(today, random.Random(0))  # noqa: S311 (not a secret)
    answers[kind.key_date] = (today + datetime.timedelta(days=20)).isoformat()
    return {
        "csrfmiddlewaretoken": CSRF,
        "form_token": str(uuid.uuid4()),
        "setting": people["school"].pk,
        "pupils": people["pupil"],
        "notes": BENCH_NOTE,
        "action": "save",
        **{f"details-{name}": value for name, value in answers.items()},
    }


def write_requests(folder: Path, name: str, lines: list[str]) -> str:
    path = folder / f"{name}.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def create_requests(people: dict, folder: Path) -> str:
    """New declarations, each its own form: more than the run can send."""
    count = MOST_POSTS_A_SECOND * SECONDS
    return write_requests(
        folder,
        "create",
        [
            f"POST {create_path()} {urllib.parse.urlencode(declaration_form(people))}"
            for _ in range(count)
        ],
    )


def submit_requests(people: dict, folder: Path, since: datetime.datetime) -> str:
    """The submission of each draft the declaring run saved."""
    from declarations.models import Declaration

    drafts = Declaration.objects.filter(
        declarant=people["declarer"], status=Declaration.Status.DRAFT, created_at__gte=since
    ).order_by("pk")
    return write_requests(
        folder,
        "submit",
        [
            f"POST /declarations/{pk}/submit/ csrfmiddlewaretoken={CSRF}"
            for pk in drafts.values_list("pk", flat=True)
        ],
    )


def query_counts(pages: list[Page], cookies: dict[str, str], people: dict) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for page in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if page.persona:
            client.cookies.load(cookies[page.persona])
        if page.name == SAVE:
            client.post(create_path(), declaration_form(people))
            with CaptureQueriesContext(connection) as queries:
                response = client.post(create_path(), declaration_form(people))
            assert response.status_code == 302, response.content  # noqa: S101
            submitted = response["Location"].replace("/review/", "/submit/")
        elif page.name == SUBMIT:
            with CaptureQueriesContext(connection) as queries:
                client.post(submitted, {"csrfmiddlewaretoken": CSRF})
        else:
            client.get(page.path)
            with CaptureQueriesContext(connection) as queries:
                client.get(page.path)
        counts[page.name] = len(queries.captured_queries)
    return counts


def measure(wrk: str, page: Page, cookie: str, warm: bool) -> dict:
    command = [
        wrk,
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{WARM_SECONDS if warm else SECONDS}s",
        "--timeout=30s",
        "-s",
        str(ROOT / "bench" / "wrk.lua"),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command += [f"http://127.0.0.1:{PORT}{page.path}", "--"]
    command.append(str(page.expected))
    if page.requests_file:
        command.append(page.requests_file)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    if figures["unexpected"] or figures["errors"] or figures["exhausted"]:
        sys.exit(f"{page.name}: unexpected answers, errors or too few requests: {figures}")
    return figures


def worker_memory(server: subprocess.Popen) -> list[float]:
    """Each worker's peak resident memory (VmHWM, Linux), in MB; none if unknown."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue  # a process that ended meanwhile
        if fields.get("PPid", "").strip() == str(server.pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return sorted(peaks)


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "host": socket.gethostname(),
    }


def table(results: dict) -> str:
    floor = results["floor_p50_ms"]
    lines = [
        "| page | requests/s | p50 ms | p95 ms | p99 ms | x floor (p50) | target | queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["pages"]:
        ratio = row["p50_ms"] / floor
        met = (
            "—"
            if row["name"] == "floor"
            else f"{row['target']:g}x {'✓' if ratio <= row['target'] else '✗'}"
        )
        lines.append(
            f"| {row['name']} | {row['throughput']:.0f} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {ratio:.1f} | {met} | "
            f"{row['queries'] if row['queries'] is not None else '—'} |"
        )
    memory = results["worker_peak_mb"]
    peak = (
        f"{max(memory):.0f} MB (target under {MEMORY_TARGET_MB} MB; each worker: "
        f"{', '.join(f'{mb:.0f}' for mb in memory)})"
        if memory
        else "not known (no /proc here)"
    )
    lines += [
        "",
        f"Peak memory of a gunicorn worker: {peak}.",
        f"{results['scale']}; {results['connections']} connections, {results['workers']} "
        f"sync workers, {results['cpus']} CPUs, {results['finished']}.",
    ]
    return "\n".join(lines)


def main() -> None:
    wrk = ensure_wrk()
    prepare()
    setup_django()
    people = personas()
    trust, school = people["trust"], people["school"]
    from bench.scale import loaded_plan
    from declarations.models import Declaration
    from schoolcalendar.periods import current_term_token

    today = datetime.date.today()  # noqa: DTZ011
    term = current_term_token(trust, today)
    year = today.year if today.month >= 9 else today.year - 1
    folder = Path(tempfile.mkdtemp(prefix="contactpolicy-bench-"))
    summary = f"/registers/summaries/?organisation={trust.pk}"
    pages = [
        Page("floor", f"/bench/floor/?pk={school.pk}", ""),
        Page("approver dashboard, Executive Headteacher", "/decisions/", "executive_head"),
        Page("approver dashboard, head of one school", "/decisions/", "head"),
        Page("staff member's declarations", "/declarations/", "staff"),
        Page("pupil file", f"/registers/pupils/{people['pupil']}/", "dsl"),
        Page("DSL audit search", "/registers/audit/?action=approval.decided", "dsl"),
        Page("governors' summary, trust, term", f"{summary}&period={term}", "governor"),
        Page(
            "governors' summary, trust, year",
            f"{summary}&period=year-{year - 1}",
            "governor",
            target=SUMMARY_TARGET,
        ),
        Page(SAVE, "/", "declarer", 302),
        Page(SUBMIT, "/", "declarer", 302),
    ]
    cookies = {name: session_cookie(people[name]) for name in {p.persona for p in pages} if name}
    counts = query_counts(pages, cookies, people)
    server = serve()
    try:
        for page in pages:
            cookie = cookies.get(page.persona, "")
            # A warm-up first; the posts' own each send requests of their own.
            if page.name == SAVE:
                since = datetime.datetime.now(datetime.UTC)
                page.requests_file = create_requests(people, folder)
                measure(wrk, page, cookie, warm=True)
                page.requests_file = create_requests(people, folder)
            elif page.name == SUBMIT:
                page.requests_file = submit_requests(people, folder, since)
                measure(wrk, page, cookie, warm=True)
                page.requests_file = submit_requests(people, folder, since)
            else:
                measure(wrk, page, cookie, warm=True)
            say(f"Measuring {page.name}")
            page.result = measure(wrk, page, cookie, warm=False)
        memory = worker_memory(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = []
    for page in pages:
        figures = page.result
        rows.append(
            {
                "name": page.name,
                "path": {SAVE: create_path(), SUBMIT: "/declarations/<pk>/submit/"}.get(
                    page.name, page.path
                ),
                "requests": figures["responses"],
                "throughput": figures["responses"] / (figures["duration_us"] / 1e6),
                "p50_ms": figures["p50_us"] / 1000,
                "p95_ms": figures["p95_us"] / 1000,
                "p99_ms": figures["p99_us"] / 1000,
                "mean_ms": figures["mean_us"] / 1000,
                "target": page.target,
                "queries": counts.get(page.name),
            }
        )
    declarations = Declaration.objects.count()
    plan = loaded_plan(TRUST)
    results = {
        "finished": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": f"{plan['schools']} settings over {plan['years']} years (seed {plan['seed']}, "
        f"to {plan['until']}), {declarations:,} declarations in the database",
        "plan": plan,
        "declarations": declarations,
        "connections": CONNECTIONS,
        "workers": WORKERS,
        **machine(),
        "floor_p50_ms": rows[0]["p50_ms"],
        "pages": rows,
        "worker_peak_mb": memory,
        "median_ratio": statistics.median(row["p50_ms"] / rows[0]["p50_ms"] for row in rows),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    markdown = table(results)
    (RESULTS / "latest.md").write_text(markdown + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    say("")
    say(markdown)


if __name__ == "__main__":
    main()
