"""Read one bench/run.sh run's wrk outputs and server log; print the figures, the ratios and PASS/FAIL.

Usage: python bench/report.py RUN_DIR LABEL   (RUN_DIR holds wrk's outputs health-N.txt, leaderboard-N.txt,
values-N.txt, kudos-N.txt of each round N, server.log and load.txt; writes summary.txt and summary.json there)
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

LEADERBOARD_RATIO = 0.5   # leaderboard throughput ≥ 0.5 × health
KUDOS_RATIO = 0.1         # POST kudos throughput ≥ 0.1 × health, with no error at all


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


def main(run_dir: Path, label: str) -> int:
    health, board, values, kudos = (measurement(sorted(run_dir.glob(f"{name}-*.txt")))
                                    for name in ("health", "leaderboard", "values", "kudos"))
    locked = (run_dir / "server.log").read_text(errors="replace").count("database is locked")
    load = " -> ".join((run_dir / "load.txt").read_text().split("\n")).strip(" ->")
    base = health["requests_per_second"] or float("nan")
    board_ratio = board["requests_per_second"] / base
    kudos_ratio = kudos["requests_per_second"] / base
    kudos_errors = kudos["unexpected_status"] + kudos["socket_errors"]
    checks = {
        "leaderboard": board_ratio >= LEADERBOARD_RATIO and not board["unexpected_status"] + board["socket_errors"],
        "kudos": kudos_ratio >= KUDOS_RATIO and kudos_errors == 0 and locked == 0,
    }
    lines = [
        f"Bravo benchmark on {label}",
        f"  machine load average (1, 5, 15 min) before -> after: {load}",
        f"  GET  /api/v1/health                     {health['requests_per_second']:9.1f} req/s "
        f"(mean latency {health['latency_ms']} ms)",
        f"  GET  /api/v1/leaderboard?period=month   {board['requests_per_second']:9.1f} req/s "
        f"(mean latency {board['latency_ms']} ms, unexpected status {board['unexpected_status']})",
        f"  GET  /api/v1/values (reference)         {values['requests_per_second']:9.1f} req/s "
        f"(mean latency {values['latency_ms']} ms; / health = {values['requests_per_second'] / base:.3f})",
        f"  POST /api/v1/kudos (4 clients)          {kudos['requests_per_second']:9.1f} req/s "
        f"(mean latency {kudos['latency_ms']} ms, {kudos['requests']} requests)",
        f"  leaderboard / health = {board_ratio:.3f} (target >= {LEADERBOARD_RATIO}): "
        f"{'PASS' if checks['leaderboard'] else 'FAIL'}",
        f"  kudos / health = {kudos_ratio:.3f} (target >= {KUDOS_RATIO}), non-2xx {kudos['unexpected_status']}, "
        f"socket errors {kudos['socket_errors']}, \"database is locked\" in the server log {locked}: "
        f"{'PASS' if checks['kudos'] else 'FAIL'}",
    ]
    for name, result in (("leaderboard", board), ("kudos", kudos)):
        if result["first_unexpected"]:
            lines.append(f"  first unexpected {name} response: {result['first_unexpected']}")
    print("\n".join(lines))
    (run_dir / "summary.txt").write_text("\n".join(lines) + "\n")
    (run_dir / "summary.json").write_text(json.dumps({
        "database": label, "load": load, "health": health, "leaderboard": board, "values": values, "kudos": kudos,
        "leaderboard_ratio": board_ratio, "kudos_ratio": kudos_ratio, "database_locked": locked,
        "pass": checks,
    }, indent=2) + "\n")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
