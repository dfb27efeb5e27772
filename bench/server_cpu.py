"""The server's CPU per request under wrk: `python bench/server_cpu.py [scenario ...]`.

On a machine other jobs share, wrk's requests per second measure the other jobs as much as
the portal. The CPU time that gunicorn's workers and their PostgreSQL backends spend (read
from /proc before and after each wrk run) does not depend on how long they waited for a
core, so its ratio to the signed-in floor's is the throughput share the page would have on
a machine of its own (wrk's own share aside). Scenarios are bench/run.py's keys, plus
`check_in` (the practitioner's page of an open check-in); the default is the floor and the
four intake and check-in pages. BENCH_* variables as for bench/run.py (BENCH_DURATION,
BENCH_PORT, BENCH_DB, ...).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import profile_page  # noqa: E402  (the check-in it profiles)
import run  # noqa: E402  (the database, the sessions, the scenarios, gunicorn)

DEFAULT = ["healthz_signed_in", "step_page", "check_in_page", "intake", "check_in"]
TICK = os.sysconf("SC_CLK_TCK")


def check_in_scenario() -> dict:
    """The practitioner's page of an open check-in (bench/run.py has the patient's)."""
    from django.urls import reverse

    page = reverse("intake:intake_detail", args=[profile_page.open_check_in().pk])
    staff = f"sessionid={run.practitioner_session()[1]}"
    return {"name": "check-in page", "key": "check_in", "lines": [("GET", page, staff, "")]}


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def server_pids(server: subprocess.Popen) -> tuple[list[int], list[int]]:
    """gunicorn's workers, and the PostgreSQL backends of the benchmark database (the
    workers keep their connections, CONN_MAX_AGE)."""
    from django.db import connection

    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [run.DB_NAME],
        )
        backends = [row[0] for row in cursor.fetchall()]
    return [int(pid) for pid in found.stdout.split()], backends


def measure(wrk: str, server: subprocess.Popen, scenario: dict) -> dict:
    requests_file = run.RESULTS / f"requests-{scenario['key']}.tsv"
    requests_file.write_text("".join("\t".join(line) + "\n" for line in scenario["lines"]))
    env = dict(os.environ, BENCH_REQUESTS=str(requests_file))
    base = [wrk, f"-t{run.THREADS}", f"-c{run.CONNECTIONS}", "--latency", "-s", str(run.LUA)]
    url = f"http://127.0.0.1:{run.PORT}"
    subprocess.run([*base, f"-d{run.WARMUP}", url], env=env, capture_output=True, check=True)
    workers, backends = server_pids(server)
    before = {pid: cpu_seconds(pid) for pid in workers + backends}
    done = subprocess.run(
        [*base, f"-d{run.DURATION}", url], env=env, capture_output=True, text=True, check=True
    )
    spent = {pid: cpu_seconds(pid) - start for pid, start in before.items()}
    raw = json.loads(re.search(r"^BENCH_RESULT (\{.*\})$", done.stdout, re.MULTILINE).group(1))
    count = raw["requests"]
    return {
        "python_ms": sum(spent[pid] for pid in workers) / count * 1000,
        "postgres_ms": sum(spent[pid] for pid in backends) / count * 1000,
        "requests": count,
        "rps": count / (raw["duration_us"] / 1e6),
        "errors": raw["status_errors"] + raw["socket_errors"],
    }


def main() -> None:
    keys = sys.argv[1:] or DEFAULT
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    wrk = run.ensure_wrk()
    run.ensure_database()
    known = {s["key"]: s for s in [*run.build_scenarios(), check_in_scenario()]}
    scenarios = [known[key] for key in keys]
    from django.db import connections

    connections.close_all()
    server = run.start_server()
    try:
        for scenario in scenarios:
            run.check(scenario)
        results = {s["key"]: measure(wrk, server, s) for s in scenarios}
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = results.get("healthz_signed_in")
    floor_ms = floor["python_ms"] + floor["postgres_ms"] if floor else 0
    print(f"load average {os.getloadavg()[0]:.1f}; server CPU per request (gunicorn + PostgreSQL)")
    for key, r in results.items():
        total = r["python_ms"] + r["postgres_ms"]
        share = f"  {floor_ms / total:4.0%} of the floor's throughput" if floor_ms else ""
        print(
            f"  {key:<18} {r['python_ms']:6.2f} + {r['postgres_ms']:5.2f} = {total:6.2f} ms"
            f"  ({r['requests']} requests, {r['rps']:.0f}/s, {r['errors']} errors){share}"
        )


if __name__ == "__main__":
    main()
