#!/usr/bin/env python3
"""Prints bench/converge.sh's curves as Markdown: per worker count, PLSC-J's and PyTorch's loss of the last batch at
every logged step (mean over the seeds, [min, max] beneath) and the held-out accuracy, plus whether our mean lies
within PyTorch's seed range at each step.

  python3 bench/converge_table.py OUT [--ours-prefix ours] [--torch-prefix torch] [--torch-suffix=-exact]
Reads OUT/<ours-prefix>-<W>w-s<seed>/metrics.jsonl (plsc train) and OUT/<torch-prefix>-<W>w-s<seed><suffix>.json
(bench/torch_converge.py); standard library only.
"""
import argparse
import glob
import json
import os
import re
import statistics


def ours(path):
    loss, acc = {}, None
    with open(os.path.join(path, "metrics.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            loss[int(e["step"])] = e["loss"]
            acc = e.get("heldout_acc", acc)
    return loss, acc


def torch(path):
    with open(path) as f:
        d = json.loads(f.read())
    return {int(k): v for k, v in d["loss"].items()}, d["heldout_acc"]


def collect(out, pattern, reader):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, pattern))):
        m = re.search(r"-(\d+)w-s(\d+)", path)
        if m and (os.path.isdir(path) or path.endswith(".json")):
            try:
                run = reader(path)
            except (OSError, ValueError, KeyError):
                continue  # unfinished
            if run[1] is not None:
                runs.setdefault(int(m.group(1)), {})[int(m.group(2))] = run
    return runs


def cell(values, digits=2):
    return f"{statistics.mean(values):.{digits}f} [{min(values):.{digits}f}, {max(values):.{digits}f}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--ours-prefix", default="ours")
    ap.add_argument("--torch-prefix", default="torch")
    ap.add_argument("--torch-suffix", default="", help="e.g. -exact: reads <torch-prefix>-<W>w-s<seed><suffix>.json")
    a = ap.parse_args()
    mine = collect(a.out, a.ours_prefix + "-*w-s*", ours)
    theirs = collect(a.out, a.torch_prefix + "-*w-s*" + a.torch_suffix + ".json", torch)
    for w in sorted(set(mine) | set(theirs)):
        m, t = mine.get(w, {}), theirs.get(w, {})
        steps = sorted(set().union(*[r[0].keys() for r in list(m.values()) + list(t.values())]))
        print(f"\n{w} worker(s): PLSC-J seeds {sorted(m)}, PyTorch seeds {sorted(t)}; mean [min, max]\n")
        print("| | " + " | ".join(str(s) for s in steps) + " | held-out acc |")
        print("|---" * (len(steps) + 2) + "|")
        for name, runs in (("PLSC-J", m), ("PyTorch", t)):
            if runs:
                row = [cell([r[0][s] for r in runs.values() if s in r[0]]) for s in steps]
                print(f"| {name} | " + " | ".join(row) + f" | {cell([r[1] for r in runs.values()], 4)} |")
        if m and t:
            inside = []
            for s in steps:
                mean = statistics.mean(r[0][s] for r in m.values())
                lo = min(r[0][s] for r in t.values())
                hi = max(r[0][s] for r in t.values())
                inside.append("yes" if lo <= mean <= hi else ("below" if mean < lo else "ABOVE"))
            accs = statistics.mean(r[1] for r in m.values()) - statistics.mean(r[1] for r in t.values())
            print("| PLSC-J mean within PyTorch's range | " + " | ".join(inside) + f" | {accs * 100:+.2f} points |")


if __name__ == "__main__":
    main()
