"""The examples run end to end: both notebooks (with nbclient) and the real-data script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = ["01_quickstart.ipynb", "02_scenarios.ipynb"]
KERNEL = "staffing-tests"
CELL_TIMEOUT = 300

sys.path.insert(0, str(EXAMPLES))
import _build_notebooks  # noqa: E402  (the generator of the notebooks, in examples/)

sys.path.remove(str(EXAMPLES))


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernelspec for *this* interpreter in a temporary Jupyter path.

    Works on a fresh machine after ``pip install -e .[dev]`` with no kernel installed,
    and is not fooled by a user-level ``python3`` kernel of another Python.
    """
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "staffing tests", "language": "python",
    }), encoding="utf-8")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(folder), old]))
    yield KERNEL
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_as_generated_without_outputs(name):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert text == _build_notebooks.render(name), (
        f"examples/{name} differs from examples/_build_notebooks.py: run "
        "`python examples/_build_notebooks.py`")
    nb = json.loads(text)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_end_to_end(name, kernel_name):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(EXAMPLES / name, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "the plots should render"


def realdata_csv() -> Path:
    env = os.environ.get("STAFFING_REALDATA")
    base = Path(env) if env else ROOT.parent / "shared" / "realdata"
    return base / "malaysia" / "my_moe_senarai_sekolah_2025-07.csv"


def run_script(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / "03_real_district.py"), *args],
                          capture_output=True, text=True, timeout=180, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def test_real_district_script_plans_a_malaysian_district():
    if not realdata_csv().exists():
        pytest.skip(f"real data not found at {realdata_csv()} (set STAFFING_REALDATA)")
    done = run_script()
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "PPD KINTA SELATAN" in out  # the first district in file order with 30–80 schools
    assert "Classes estimated" in out and "Posts short of norm" in out
    assert "Randomness of teacher allocation" in out


def test_real_district_script_raises_a_broken_plausibility_limit_and_says_so():
    if not realdata_csv().exists():
        pytest.skip(f"real data not found at {realdata_csv()} (set STAFFING_REALDATA)")
    done = run_script("--district", "kinta utara")
    assert done.returncode == 0, done.stderr
    assert "Plausibility limit raised" in done.stdout and "ABB2089" in done.stdout


def test_real_district_script_lists_rows_it_leaves_out():
    if not realdata_csv().exists():
        pytest.skip(f"real data not found at {realdata_csv()} (set STAFFING_REALDATA)")
    done = run_script("--district", "PPD PETALING PERDANA")  # one school lacks coordinates
    assert done.returncode == 0, done.stderr
    assert "Left out, 1 row(s):" in done.stdout and "no coordinates" in done.stdout


def test_real_district_script_exits_cleanly_without_the_data(tmp_path):
    done = run_script(env={"STAFFING_REALDATA": str(tmp_path)})
    assert done.returncode == 0
    assert "Real data not found" in done.stdout
