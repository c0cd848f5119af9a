"""`make bench`: every benchmark against the bare limits of the stack, measured in the same run."""
from __future__ import annotations

import argparse

from bench import eventstore
from bench.harness import machine, servers


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with servers() as settings:
        print(f"# Jajo benchmarks ({machine()}; medians of {args.rounds} alternating rounds)\n")
        result = eventstore.run(settings, args.rounds)
        print("## Event store appends vs bare insert_one (one client, same server, same run)\n")
        print("| what | median rate |\n| --- | --- |")
        for name, value in result["rows"]:
            print(f"| {name} | {value} |")
        print(f"\nratio append / insert_one: **{result['ratio']:.2f}**\n")


if __name__ == "__main__":
    main()
