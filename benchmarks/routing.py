"""Routing quality against best-known solutions: solves every `.vrp` (CVRP, VRPLIB) and `.txt` (VRPTW, Solomon)
instance of a directory through `cabas.logistics.routing` and prints JSON with each cost's gap to the `.sol`.

    .venv/bin/python benchmarks/routing.py --instances /work/shared/vrp --seconds 10 [--seed 0]

Conventions are those of `cabas.logistics.routing.from_vrplib` / `from_solomon`: EUC_2D distances rounded per
edge; Solomon distances truncated to one decimal per edge, travel time = distance, total distance only. The
gap is 100 × (cost − best known) / best known; `seconds` is the wall time of the solve.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=Path, required=True, help="directory of instances and their .sol files")
    parser.add_argument("--seconds", type=float, default=10.0, help="time budget per instance")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from cabas.logistics import routing

    readers = {".vrp": routing.from_vrplib, ".txt": routing.from_solomon}
    rows = []
    for path in sorted(p for p in args.instances.iterdir() if p.suffix in readers):
        problem = readers[path.suffix](path)
        best_known = routing.read_solution(path.with_suffix(".sol")).cost
        started = time.perf_counter()
        solution = routing.solve(problem, seconds=args.seconds, seed=args.seed)
        seconds = time.perf_counter() - started
        rows.append({
            "name": path.stem,
            "clients": len(problem.stops),
            "cost": float(solution.cost),
            "best_known": float(best_known),
            "gap_pct": round(float(100 * (solution.cost - best_known) / best_known), 3),
            "seconds": round(seconds, 2),
            "vehicles": len(solution.routes),
            "feasible": solution.feasible,
            "iterations": solution.iterations,
        })
    gaps = [row["gap_pct"] for row in rows]
    print(json.dumps({
        "benchmark": "routing",
        "seconds_per_instance": args.seconds,
        "seed": args.seed,
        "instances": rows,
        "mean_gap_pct": round(sum(gaps) / len(gaps), 3) if gaps else None,
        "max_gap_pct": max(gaps, default=None),
        "all_feasible": all(row["feasible"] for row in rows),
    }, indent=2))


if __name__ == "__main__":
    main()
