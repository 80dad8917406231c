#!/usr/bin/env python3
"""Is this build as fast as another? An interleaved A/B of `make bench`'s requests.

On this shared 2-core machine one run of a build differs from the next by up
to ±20 %, so two `make bench` runs an hour apart cannot show a 5 % change.
This starts both builds' servers at once, each on its own tree's `make bench`
cluster and dataset (`bench.py --small --data-only` in each tree first), and
runs wrk on the same scenarios alternating between them, flipping the order
every round, so both share whatever else the machine is doing. It prints the
per-round ratios (after ÷ before) and their mean.

    git worktree add ../before <commit> && (cd ../before && cargo build --release &&
        python3 scripts/bench/bench.py --small --data-only --pg-port 54470)
    python3 scripts/bench/bench.py --small --data-only --pg-port 54472
    python3 scripts/bench/ab.py --before ../before [--rounds 3] [--seconds 5] [--connections 16,64]

Each tree's own scripts/bench/bench.py supplies its scenarios (the SQL and
the paths its build serves), its server start and its sign-in.
"""

import argparse
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def side(root, pg_port, http_port, pool):
    spec = importlib.util.spec_from_file_location(f"bench_{http_port}", root / "scripts" / "bench" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bench = module.Bench(argparse.Namespace(smoke=False, small=True, pg_port=pg_port, http_port=http_port, pool=pool))
    bench.prepare_data()
    bench.start_server()
    who = {"admin": bench.login("bench-large", "admin@bench-large.bench"),
           "worker": bench.login("bench-large", "worker1@bench-large.bench")}
    return bench, bench.scenarios(who)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the other build's tree (with its release build)")
    parser.add_argument("--after", type=Path, default=ROOT, help="this build's tree (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64])
    parser.add_argument("--pool", type=int, default=32)
    parser.add_argument("--ports", type=lambda s: [int(x) for x in s.split(",")], default=[54470, 8160, 54472, 8162],
                        help="before's PostgreSQL and HTTP ports, then after's")
    args = parser.parse_args()

    sides = {}
    try:
        sides["before"] = side(args.before.resolve(), args.ports[0], args.ports[1], args.pool)
        sides["after"] = side(args.after.resolve(), args.ports[2], args.ports[3], args.pool)
        names = [scenario[0] for scenario in sides["after"][1]]
        results = {}
        for round_ in range(args.rounds):
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for index, name in enumerate(names):
                for connections in args.connections:
                    for which in order:
                        bench, scenarios = sides[which]
                        _, who, method, paths, body, _ = scenarios[index]
                        rps = bench.wrk(who, method, paths, body, connections, args.seconds)["rps"]
                        results.setdefault((name, connections), {}).setdefault(which, []).append(rps)
            print(f"round {round_ + 1} of {args.rounds} done", flush=True)
    finally:
        for bench, _ in sides.values():
            bench.stop_server()

    print("\n| scenario | connections | before req/s | after req/s | after ÷ before, per round | mean |")
    print("|---|---:|---:|---:|---|---:|")
    means = []
    for (name, connections), by_side in results.items():
        ratios = [a / b for b, a in zip(by_side["before"], by_side["after"])]
        mean = sum(ratios) / len(ratios)
        means.append(mean)
        print(f"| {name} | {connections} | {sum(by_side['before']) / len(ratios):,.0f} | "
              f"{sum(by_side['after']) / len(ratios):,.0f} | {', '.join(f'{r:.2f}' for r in ratios)} | {mean:.2f} |")
    print(f"\nmean over all: {sum(means) / len(means):.2f}")


if __name__ == "__main__":
    main()
