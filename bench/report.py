"""Turns a run's results (the JSON written beside the report) into `docs/benchmarks.md` and one
PNG chart per workload group under `docs/benchmarks/`.

Every figure is shown as `median [p10–p90]`. The ratio columns are Snowglobe's cost relative to
each reference: time ÷ reference time (for throughput, reference ÷ Snowglobe), so 1.0× is parity,
above 1 Snowglobe is slower, below 1 it is faster.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from pathlib import Path

from .harness import GROUPS, Measurement
from .peers import REFERENCES

PEERS = ["snowglobe", *REFERENCES]
COLORS = {"snowglobe": "#1f77b4", "fakesnow": "#ff7f0e", "duckdb": "#2ca02c",
          "canned": "#7f7f7f"}


def load_measurements(results: dict) -> list[Measurement]:
    out = []
    for raw in results["measurements"]:
        raw = {k: v for k, v in raw.items() if k != "stats"}
        out.append(Measurement(**raw))
    return out


def fmt(value: float) -> str:
    if value != value:  # NaN
        return "–"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{value:.3g}"


def cell(m: Measurement | None) -> str:
    if m is None:
        return ""
    if m.skipped:
        return "skipped¹"
    if m.error:
        return "**failed**¹"
    s = m.stats()
    if s["n"] == 1:
        return fmt(s["median"])
    return f"{fmt(s['median'])} [{fmt(s['p10'])}–{fmt(s['p90'])}]"


def ratio(sg: Measurement | None, ref: Measurement | None) -> float | None:
    if not sg or not ref or not sg.samples or not ref.samples:
        return None
    a, b = sg.stats()["median"], ref.stats()["median"]
    if sg.higher_is_better:
        a, b = b, a
    if b == 0 or a != a or b != b:
        return None
    return a / b


def ratio_cell(r: float | None) -> str:
    return "" if r is None else f"{r:.2f}×"


def table_for(group: str, ms: list[Measurement]) -> tuple[list[str], dict]:
    """Markdown table lines for one group, and {workload: {peer: Measurement}}."""
    rows: "OrderedDict[str, dict[str, Measurement]]" = OrderedDict()
    units: dict[str, str] = {}
    for m in ms:
        if m.peer == "(all)":
            continue
        rows.setdefault(m.workload, {})[m.peer] = m
        if m.unit:
            units[m.workload] = m.unit
    peers = [p for p in PEERS if any(p in r for r in rows.values())]
    refs = [p for p in peers if p != "snowglobe"]
    header = ["workload", "unit", *peers, *[f"Snowglobe ÷ {p}" for p in refs]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, by_peer in rows.items():
        unit = units.get(name, "")
        if any(m.higher_is_better for m in by_peer.values()):
            unit += " (higher is better)"
        cells = [name, unit, *[cell(by_peer.get(p)) for p in peers],
                 *[ratio_cell(ratio(by_peer.get("snowglobe"), by_peer.get(p))) for p in refs]]
        lines.append("| " + " | ".join(cells) + " |")
    return lines, rows


# ---------------------------------------------------------------------------------------------
# Charts


def chart(group: str, rows: dict, path: Path, title: str) -> None:
    """Horizontal bars of medians with p10–p90 whiskers, one panel per unit, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_unit: "OrderedDict[str, list[tuple[str, dict]]]" = OrderedDict()
    for name, by_peer in rows.items():
        ok = {p: m for p, m in by_peer.items() if m.samples and m.unit != "count"}
        if ok:
            unit = next(iter(ok.values())).unit
            if name == "load":  # TPC-H's load time would flatten the per-query bars
                unit += ", loading the data"
            by_unit.setdefault(unit, []).append((name, ok))
    if not by_unit:
        return
    # Many short labels (TPC-H's q01…q22) read best as columns, a few long ones as rows.
    vertical = max(len(items) for items in by_unit.values()) > 8
    heights = [4.0 if vertical else max(1.6, 0.45 * len(items) * max(len(d) for _, d in items)
                                        + 0.9) for items in by_unit.values()]
    fig, axes = plt.subplots(len(by_unit), 1, figsize=(14 if vertical else 10, sum(heights) + 0.6),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (unit, items) in zip(axes[:, 0], by_unit.items()):
        peers = [p for p in PEERS if any(p in d for _, d in items)]
        bar = 0.8 / len(peers)
        for j, peer in enumerate(peers):
            pos, med, lo, hi = [], [], [], []
            for i, (_, d) in enumerate(items):
                if peer in d:
                    s = d[peer].stats()
                    pos.append(i + (j - (len(peers) - 1) / 2) * bar)
                    med.append(s["median"])
                    lo.append(s["median"] - s["p10"])
                    hi.append(s["p90"] - s["median"])
            style = {"color": COLORS[peer], "label": peer,
                     "error_kw": {"elinewidth": 0.8, "capsize": 2}}
            if vertical:
                ax.bar(pos, med, width=bar, yerr=[lo, hi], **style)
            else:
                ax.barh(pos, med, height=bar, xerr=[lo, hi], **style)
        names = [name for name, _ in items]
        values = [m.stats()["median"] for _, d in items for m in d.values()]
        log = min(values) > 0 and max(values) / min(values) > 30
        if vertical:
            ax.set_xticks(range(len(items)), names, fontsize=8)
            ax.set_ylabel(unit)
            ax.set_yscale("log" if log else "linear")
            ax.grid(axis="y", alpha=0.3)
        else:
            ax.set_yticks(range(len(items)), names, fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel(unit)
            ax.set_xscale("log" if log else "linear")
            ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    axes[0, 0].set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Summary against issue 5's targets


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def targets(rows_by_group: dict) -> list[str]:
    def r(group, prefix, ref):
        for name, by_peer in rows_by_group.get(group, {}).items():
            if name.startswith(prefix):
                return ratio(by_peer.get("snowglobe"), by_peer.get(ref))
        return None

    def speedup_vs_fakesnow(groups):
        ratios = [ratio(d.get("snowglobe"), d.get("fakesnow"))
                  for g in groups for d in rows_by_group.get(g, {}).values()]
        g = geomean([x for x in ratios if x])
        return None if g is None else 1 / g

    tpch = [ratio(d.get("snowglobe"), d.get("duckdb"))
            for name, d in rows_by_group.get("tpch", {}).items() if name.startswith("q")]
    lines = ["| target (issue 5) | measured | met? |", "|---|---|---|"]

    def line(label, value, ok, text):
        lines.append(f"| {label} | {text if value is not None else 'not measured'} | "
                     f"{('yes' if ok else '**no**') if value is not None else '–'} |")

    v = r("latency", "select 1, connector 4.x", "canned")
    line("`select 1` within 1.5× of the canned floor (4.x)", v, v is not None and v <= 1.5,
         f"{v:.2f}×" if v else "")
    v = r("latency", "select 1, connector 5.x", "canned")
    line("`select 1` within 1.5× of the canned floor (5.x)", v, v is not None and v <= 1.5,
         f"{v:.2f}×" if v else "")
    v = speedup_vs_fakesnow(["latency", "bulk_in", "bulk_out"])
    line("≥ 5× faster than fakesnow on latency and bulk (geometric mean)", v,
         v is not None and v >= 5, f"{v:.2f}× faster" if v else "")
    v = geomean([x for x in tpch if x])
    line(f"TPC-H within 1.3× of raw DuckDB (geometric mean over "
         f"{len([x for x in tpch if x])} queries that ran)", v, v is not None and v <= 1.3,
         f"{v:.2f}×" if v else "")
    return lines


# ---------------------------------------------------------------------------------------------
# The document


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    chart_dir = out / "benchmarks"
    chart_dir.mkdir(parents=True, exist_ok=True)
    (chart_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")

    measurements = load_measurements(results)
    sizes, env = results["sizes"], results["environment"]
    quick = sizes["mode"] == "quick"
    doc = ["# Benchmarks", ""]
    if quick:
        doc += ["> **QUICK RUN** (`scripts/bench --quick`): small sizes for checking the harness "
                f"({sizes['table_rows']:,}-row table, {sizes['calls']} calls, TPC-H SF "
                f"{sizes['tpch_scale']:g}, {sizes['concurrency_seconds']:g} s of concurrency). "
                "These are not the figures issue 5 asks for; run `scripts/bench` for those.", ""]
    if results.get("merged"):
        doc += [f"> Merged run: {results['merged']} (`--merge`).", ""]
    elif results.get("only"):
        doc += [f"> Partial run: only {', '.join(results['only'])}.", ""]
    doc += [
        f"Generated by `scripts/bench{' --quick' if quick else ''}` from {results['started']} to "
        f"{results['finished']} (UTC). Raw samples: [`benchmarks/results.json`]"
        "(benchmarks/results.json).", "",
        "Each figure is `median [p10–p90]` over its samples (per call for latencies, per repeat "
        "otherwise). **Snowglobe ÷ ref** is Snowglobe's cost relative to that reference "
        "(time ÷ time; for throughput, ref ÷ Snowglobe): 1.00× is parity, above 1 Snowglobe is "
        "slower. References: " + "; ".join(f"`{k}` = {v}" for k, v in REFERENCES.items()) + ".",
        "", "## Machine and versions", "", "| | |", "|---|---|",
    ]
    m = env["machine"]
    doc += [f"| CPU | {m['cpu']} ({m['logical_cpus']} logical CPUs) |",
            f"| memory | {m['memory_gib']} GiB |", f"| OS | {m['os']} |",
            f"| load average at start | {' '.join(m['loadavg_at_start'])} |"]
    doc += [f"| {k} | {v} |" for k, v in env["versions"].items()]
    doc += ["", "Sizes: " + ", ".join(f"{k} = {v}" for k, v in sizes.items()) + ".", ""]

    rows_by_group, failures = {}, []
    group_sections = []
    for group, title in GROUPS.items():
        ms = [x for x in measurements if x.group == group]
        if not ms:
            continue
        section = [f"## {title}", ""]
        lines, rows = table_for(group, ms)
        rows_by_group[group] = rows
        if rows:
            png = chart_dir / f"{group}.png"
            chart(group, rows, png, title)
            if png.exists():
                section += [f"![{title}](benchmarks/{png.name})", ""]
            section += lines + [""]
        section += [f"- {note}" for note in results["notes"].get(group, [])]
        section += [""]
        group_sections += section
        failures += [x for x in ms if x.error or x.skipped]

    doc += ["## Targets", ""] + targets(rows_by_group) + [""]
    doc += group_sections
    doc += ["## Failures and skips", ""]
    if failures:
        doc += ["¹ Every figure that could not be measured, with the error as the client saw it.",
                "", "| group | workload | peer | outcome |", "|---|---|---|---|"]
        for f in failures:
            what = f"skipped: {f.skipped}" if f.skipped else f"failed: {f.error}"
            what = what.replace("|", "\\|").replace("\n", " ")
            doc.append(f"| {f.group} | {f.workload} | {f.peer} | {what} |")
    else:
        doc.append("None.")
    doc.append("")
    (out / "benchmarks.md").write_text("\n".join(doc))
