"""Partnership clusters: school-graph build and cluster formation, county to prefecture size.

Run: ``.venv/bin/python benchmarks/bench_clusters.py`` (prints one table). Medians of 5
runs with min and max beside them, default Policy (40 km reach, 8 members per lead).

Sets measured:

* ``county 150`` — ``synth.county(seed=0, n_schools=150)``, the size of 楚雄市;
* ``prefecture`` — the ten counties of ``synth.prefecture(0)`` as one table (814
  schools);
* ``prefecture x2`` — ``synth.prefecture(0)`` and ``synth.prefecture(1)`` together
  (1,628 schools, ids prefixed by the seed): a prefecture-sized set at twice the real
  density, the stress case (target: clusters in under 2 s).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table, repeat  # noqa: E402

import staffing as st  # noqa: E402
from staffing.clusters import build_graph, cluster_metrics, form_clusters  # noqa: E402


def merged(seeds: tuple[int, ...], name: str) -> st.County:
    """The synthetic prefecture(s) of ``seeds`` as one County (school ids made unique)."""
    frames = []
    for seed in seeds:
        for county in st.synth.prefecture(seed, teachers=False).values():
            s = county.schools.reset_index()
            if len(seeds) > 1:
                s["school_id"] = f"{seed}-" + s["school_id"]
            frames.append(s)
    return st.County(pd.concat(frames, ignore_index=True), name=name)


def measure(label: str, county: st.County, runs: int = 5) -> dict:
    policy = st.Policy()
    g_med, g_min, g_max, graph = repeat(lambda: build_graph(county, policy), runs)
    c_med, c_min, c_max, clusters = repeat(lambda: form_clusters(county, policy), runs)
    m_med, _, _, _ = repeat(lambda: cluster_metrics(county, clusters, policy), runs)
    roles = clusters["role"].value_counts()
    return {
        "set": label,
        "schools": county.n_schools,
        "edges": graph.number_of_edges(),
        "leads": int(roles.get("lead", 0)),
        "standalone": int(roles.get("standalone", 0)),
        "graph_s": g_med,
        "graph_min": g_min,
        "graph_max": g_max,
        "clusters_s": c_med,
        "clusters_min": c_min,
        "clusters_max": c_max,
        "metrics_s": m_med,
    }


def main() -> None:
    rows = [
        measure("county 150", st.synth.county(seed=0, n_schools=150, teachers=False)),
        measure("prefecture", merged((0,), "prefecture")),
        measure("prefecture x2", merged((0, 1), "prefecture x2")),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
