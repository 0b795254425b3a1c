"""Read one bench/run.sh run's wrk outputs and server log; print the figures, the ratios and PASS/FAIL.

Usage: python bench/report.py RUN_DIR LABEL   (RUN_DIR holds wrk's outputs MODE-N.txt of each round N for the
modes health, leaderboard, values, kudos, standings and wallboard, server.log, load.txt, cold.txt (the cold
standings computation) and intake.json (KPI intake); writes summary.txt and summary.json there)
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

LEADERBOARD_RATIO = 0.5   # leaderboard throughput ≥ 0.5 × health
KUDOS_RATIO = 0.1         # POST kudos throughput ≥ 0.1 × health, with no error at all
STANDINGS_RATIO = 0.5     # campaign standings throughput ≥ 0.5 × health
WALLBOARD_RATIO = 0.8     # wallboard data answered 304 ≥ 0.8 × health
INTAKE_SECONDS = 60       # 100,000 KPI rows through the API in under a minute


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def seconds(value: str, unit: str) -> float:
    return float(value) * UNITS[unit]


def measurement(paths: list[Path]) -> dict:
    """Throughput over the rounds of one kind of request, and every failure wrk and bench/wrk.lua saw."""
    requests = elapsed = latency_total = 0.0
    unexpected = socket_errors = 0
    first = None
    for path in paths:
        text = path.read_text()
        done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", text)
        if done is None:
            raise SystemExit(f"{path}: no result from wrk:\n{text}")
        count = int(done.group(1))
        requests += count
        elapsed += seconds(done.group(2), done.group(3))
        latency = re.search(r"Latency\s+([\d.]+)(us|ms|s|m)\b", text)
        latency_total += count * seconds(latency.group(1), latency.group(2)) if latency else 0.0
        found = re.search(r"unexpected status (\d+)", text)
        unexpected += int(found.group(1)) if found else 0
        socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
        socket_errors += sum(int(n) for n in socket.groups()) if socket else 0
        found = re.search(r"bench: first unexpected response: (.*)", text)
        first = first or (found.group(1) if found else None)
    return {
        "requests_per_second": requests / elapsed if elapsed else 0.0,
        "requests": int(requests),
        "seconds": round(elapsed, 2),
        "latency_ms": round(1000 * latency_total / requests, 2) if requests else None,
        "unexpected_status": unexpected,
        "socket_errors": socket_errors,
        "first_unexpected": first,
    }


def clean(result: dict) -> bool:
    return not result["unexpected_status"] + result["socket_errors"]


def cold_standings(run_dir: Path) -> str:
    path = run_dir / "cold.txt"
    return path.read_text().strip() if path.exists() else "not measured"


def intake(run_dir: Path) -> dict | None:
    path = run_dir / "intake.json"
    return json.loads(path.read_text()) if path.exists() else None


def main(run_dir: Path, label: str) -> int:
    health, board, values, kudos, standings, wallboard = (
        measurement(sorted(run_dir.glob(f"{name}-*.txt")))
        for name in ("health", "leaderboard", "values", "kudos", "standings", "wallboard"))
    locked = (run_dir / "server.log").read_text(errors="replace").count("database is locked")
    load = " -> ".join((run_dir / "load.txt").read_text().split("\n")).strip(" ->")
    base = health["requests_per_second"] or float("nan")
    ratios = {name: result["requests_per_second"] / base for name, result in
              (("leaderboard", board), ("kudos", kudos), ("standings", standings), ("wallboard", wallboard))}
    kudos_errors = kudos["unexpected_status"] + kudos["socket_errors"]
    kpis = intake(run_dir)
    checks = {
        "leaderboard": ratios["leaderboard"] >= LEADERBOARD_RATIO and clean(board),
        "kudos": ratios["kudos"] >= KUDOS_RATIO and kudos_errors == 0 and locked == 0,
        "standings": ratios["standings"] >= STANDINGS_RATIO and clean(standings),
        "wallboard": ratios["wallboard"] >= WALLBOARD_RATIO and clean(wallboard),
        "intake": bool(kpis) and kpis["rejected"] == 0 and kpis["seconds"] * 100_000 / kpis["rows"] < INTAKE_SECONDS,
    }

    def verdict(name: str) -> str:
        return "PASS" if checks[name] else "FAIL"

    def line(label_: str, result: dict, extra: str = "") -> str:
        return (f"  {label_:<40} {result['requests_per_second']:9.1f} req/s (mean latency {result['latency_ms']} ms"
                f"{extra})")

    lines = [
        f"Bravo benchmark on {label}",
        f"  machine load average (1, 5, 15 min) before -> after: {load}",
        line("GET  /api/v1/health", health),
        line("GET  /api/v1/leaderboard?period=month", board, f", unexpected status {board['unexpected_status']}"),
        line("GET  /api/v1/values (reference)", values, f"; / health = {values['requests_per_second'] / base:.3f}"),
        line("POST /api/v1/kudos (4 clients)", kudos, f", {kudos['requests']} requests"),
        line("GET  /api/v1/campaigns/ID/standings", standings,
             f", unexpected status {standings['unexpected_status']}"),
        line("GET  /wallboard/TOKEN/data -> 304", wallboard,
             f", unexpected status {wallboard['unexpected_status']}"),
        f"  leaderboard / health = {ratios['leaderboard']:.3f} (target >= {LEADERBOARD_RATIO}): {verdict('leaderboard')}",
        f"  kudos / health = {ratios['kudos']:.3f} (target >= {KUDOS_RATIO}), non-2xx {kudos['unexpected_status']}, "
        f"socket errors {kudos['socket_errors']}, \"database is locked\" in the server log {locked}: {verdict('kudos')}",
        f"  standings / health = {ratios['standings']:.3f} (target >= {STANDINGS_RATIO}): {verdict('standings')}",
        f"  wallboard 304 / health = {ratios['wallboard']:.3f} (target >= {WALLBOARD_RATIO}): {verdict('wallboard')}",
        f"  cold standings: {cold_standings(run_dir)}",
        (f"  KPI intake: {kpis['rows']} rows in {kpis['batches']} requests in {kpis['seconds']} s "
         f"({kpis['rows_per_second']} rows/s, {kpis['rejected']} rejected; target: 100,000 in < {INTAKE_SECONDS} s): "
         f"{verdict('intake')}") if kpis else "  KPI intake: not measured: FAIL",
    ]
    for name, result in (("leaderboard", board), ("kudos", kudos), ("standings", standings),
                         ("wallboard", wallboard)):
        if result["first_unexpected"]:
            lines.append(f"  first unexpected {name} response: {result['first_unexpected']}")
    print("\n".join(lines))
    (run_dir / "summary.txt").write_text("\n".join(lines) + "\n")
    (run_dir / "summary.json").write_text(json.dumps({
        "database": label, "load": load, "health": health, "leaderboard": board, "values": values, "kudos": kudos,
        "standings": standings, "wallboard": wallboard, "ratios": ratios, "database_locked": locked,
        "cold_standings": cold_standings(run_dir), "intake": kpis, "pass": checks,
    }, indent=2) + "\n")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
