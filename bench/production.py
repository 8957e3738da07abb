"""The README's production setup for benchmarks: its settings (RELAIS_PRODUCTION=true, a
real secret key, Stripe keys, PostgreSQL through DATABASE_URL, Redis for rate limits), the
schema built by `flask db upgrade`, and gunicorn serving 'app:create_app()' with sync workers.

Nothing here can reach the outside: Stripe's API base is a closed port on the loopback
interface, and without RELAIS_MAIL_SERVER emails are written to the instance's outbox."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bench.stock_dataset import scratch_database

ROOT = Path(__file__).resolve().parents[1]
# The flask and gunicorn of the environment running the benchmark.
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
POSTGRES_SERVER_URL = "postgresql://postgres@127.0.0.1:5432"
WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's advice for sync workers
CLOSED_PORT = "http://127.0.0.1:9"  # the discard port: nothing listens there
SENDER_EVERY = 1  # seconds between the receipt sender's looks, as in the README
SENDER_NICENESS = 19


def production_environment(
    database_url: str,
    instance: Path,
    *,
    base_url: str,
    secret_key: str,
    webhook_secret: str = "whsec_bench_never_used",
) -> dict[str, str]:
    """The README's production settings, and nothing inherited that could override them."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RELAIS_") and key != "DATABASE_URL"
    }
    return {
        **inherited,
        "DATABASE_URL": database_url,
        "RELAIS_INSTANCE_PATH": str(instance),
        "RELAIS_PRODUCTION": "true",
        "RELAIS_SECRET_KEY": secret_key,
        "RELAIS_BASE_URL": base_url,
        # Production refuses the demo payment gateway; nothing here pays, and the API base
        # is a closed local port so no request could ever leave the machine.
        "RELAIS_STRIPE_SECRET_KEY": "sk_test_bench_never_used",
        "RELAIS_STRIPE_WEBHOOK_SECRET": webhook_secret,
        "RELAIS_STRIPE_API_BASE": CLOSED_PORT,
        "RELAIS_RECEIPT_SENDER": "true",
        # Production refuses rate limits counted in each worker's memory. The counters
        # expire by themselves; each run counts apart from earlier ones.
        "RELAIS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RELAIS_RATELIMIT_KEY_PREFIX": f"relais-bench-{os.getpid()}",
    }


def flask_command(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """`flask --app app ARGUMENTS` as an operator would type it; raises when it fails."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
    return done


def upgrade_schema(environment: dict[str, str]) -> None:
    flask_command(environment, "db", "upgrade")


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(
    port: int,
    environment: dict[str, str],
    log: Path,
    *,
    workers: int = WORKERS,
    options: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        *options,
        "app:create_app()",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )


def start_receipt_sender(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The README's watching receipt sender, beside the server, at its lower priority."""
    command = ["nice", "-n", str(SENDER_NICENESS), str(BIN / "flask"), "--app", "app"]
    command += ["receipts", "send-pending", "--watch", str(SENDER_EVERY)]
    with log.open("wb") as output:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )


def wait_until_up(
    port: int, server: subprocess.Popen[bytes], path: str = "/healthz", timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass  # not listening yet
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {path} within {timeout:.0f} s")


def process_cpu_ticks(pid: int) -> int | None:
    """User and system CPU time of one process so far, in clock ticks (Linux /proc);
    None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime and stime


def cpu_seconds_of(pids: Iterable[int]) -> float:
    """User and system CPU time of these processes so far; 0 for those gone."""
    ticks = sum(process_cpu_ticks(pid) or 0 for pid in pids)
    return ticks / os.sysconf("SC_CLK_TCK")


def worker_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User and system CPU time the gunicorn workers have used so far (Linux /proc)."""
    workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return cpu_seconds_of(int(pid) for pid in workers)


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU-seconds the whole machine has spent busy, and in all, since it started
    (Linux /proc/stat): over a run, what other jobs took from a shared machine."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / tick, sum(fields) / tick


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- figures --------------------------------------------------------------------------


def percentile(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile; NaN when there is nothing to rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


def verdict_exit_code(problems: Sequence[str]) -> int:
    """Print each missed target as FAIL (or PASS when none was), and the exit code."""
    code = problems_exit_code(problems, "FAIL")
    if not code:
        print("PASS")
    return code


def run_on_scratch_postgres(
    database: str, prefix: str, keep: bool, benchmark: Callable[[str, Path], list[str]]
) -> int:
    """Run the benchmark on a new PostgreSQL database (its URL) and a temporary directory,
    then print its problems; the exit code."""
    with (
        scratch_database(database, sqlite=False, keep=keep) as url,
        tempfile.TemporaryDirectory(prefix=prefix) as tmp,
    ):
        problems = benchmark(url, Path(tmp))
    return problems_exit_code(problems)


def problems_exit_code(problems: Sequence[str], label: str = "problem") -> int:
    """Print each problem, and the exit code: 1 when there is one. For a benchmark that
    only measures, the problems are failed checks of what the run left, not targets."""
    sys.stdout.flush()
    for problem in problems:
        print(f"{label}: {problem}", file=sys.stderr)
    return 1 if problems else 0
