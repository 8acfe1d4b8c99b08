"""The cheaper build (issue 19, part 5) builds the same model as PuLP's own operators.

* :func:`staffing.model.terms.linear` and :func:`~staffing.model.terms.combine` give
  the expression PuLP's ``lpDot`` / ``lpSum`` / ``+`` ``*`` build term by term, on
  random terms with repeated variables (the reference is PuLP's arithmetic, not ours);
* the batched load of a PuLP 3 problem into HiGHS (``solve._pass_model``) gives the
  same columns, bounds, integrality, rows and matrix as PuLP's own ``buildSolverModel``;
* a plan built with the collector paused is the plan built with it running, and the
  collector is running again afterwards (or stays off if the caller switched it off);
* the model is the same to the last bit whichever CPU kernel OpenBLAS picks (a
  metamorphic relation: swap machines, same model).
"""

from __future__ import annotations

import gc

import pulp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_

import staffing as st
from staffing._gc import gc_paused
from staffing.model.terms import combine, constant_of, linear

_TERMS = settings(max_examples=200, deadline=None, derandomize=True)
_coef = st_.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 3))


def _as_dict(expr) -> tuple[dict[str, float], float]:
    """An expression's non-zero coefficients by variable name, and its constant."""
    coefs: dict[str, float] = {}
    for v, c in expr.items():
        coefs[v.name] = coefs.get(v.name, 0.0) + float(c)
    return {k: round(c, 9) for k, c in coefs.items() if abs(c) > 1e-12}, round(
        float(expr.constant), 9)


def _variables(n: int) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """A problem and its ``n`` variables (PuLP 4's variables live while their problem does)."""
    prob = pulp.LpProblem("terms")
    return prob, [prob.add_variable(f"x{i}") for i in range(n)]


@_TERMS
@given(picks=st_.lists(st_.tuples(st_.integers(0, 5), _coef), max_size=15), constant=_coef)
def test_linear_equals_pulp_lpdot(picks, constant):
    _prob, xs = _variables(6)
    variables = [xs[i] for i, _ in picks]
    coefs = [c for _, c in picks]
    ours = linear(variables, coefs, constant=constant)
    theirs = pulp.lpDot(coefs, variables) + constant if picks else pulp.lpSum([]) + constant
    assert _as_dict(ours) == _as_dict(theirs)
    ones = linear(variables, constant=constant)
    assert _as_dict(ones) == _as_dict(pulp.lpSum(variables) + constant)


@_TERMS
@given(parts=st_.lists(st_.tuples(_coef, st_.integers(0, 3), st_.lists(
    st_.tuples(st_.integers(0, 5), _coef), max_size=5), _coef), max_size=6), constant=_coef)
def test_combine_equals_pulp_arithmetic(parts, constant):
    _prob, xs = _variables(6)
    pieces, reference = [], pulp.lpSum([]) + constant
    for factor, kind, terms, number in parts:
        if kind == 0:  # a variable
            part = xs[terms[0][0]] if terms else xs[0]
        elif kind == 1:  # an expression with a constant
            part = pulp.lpSum(c * xs[i] for i, c in terms) + number
        elif kind == 2:  # a list of variables and expressions, summed
            part = [xs[i] if c > 0 else c * xs[i] + 1 for i, c in terms]
        else:  # a number
            part = number
        pieces.append((factor, part))
        reference = reference + factor * (pulp.lpSum(part) if kind == 2 else part)
    assert _as_dict(combine(pieces, constant=constant)) == _as_dict(reference)


@pytest.mark.skipif(hasattr(pulp.LpProblem, "exported_variables"),
                    reason="PuLP 4 loads HiGHS in bulk itself; _pass_model is PuLP 3's")
@pytest.mark.parametrize("seed, horizon", [(0, 0), (3, 1)])
def test_batched_highs_load_equals_pulps_own(seed, horizon):
    pytest.importorskip("highspy")
    from staffing.model.solve import _pass_model

    county = st.synth.county(seed=seed, n_schools=30)
    lp = st.build_model(county, st.Policy(), horizon=horizon).prob
    theirs = pulp.HiGHS(msg=False)
    theirs.createAndConfigureSolver(lp)
    theirs.buildSolverModel(lp)
    reference = lp.solverModel.getLp()
    ours = pulp.HiGHS(msg=False)
    ours.createAndConfigureSolver(lp)
    _pass_model(lp)
    loaded = lp.solverModel.getLp()
    for field in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_",
                  "integrality_"):
        assert list(getattr(loaded, field)) == list(getattr(reference, field)), field

    def triplets(lp_):
        m = lp_.a_matrix_
        by_col = str(m.format_).endswith("kColwise")
        out = {}
        for k in range(len(m.start_) - 1):
            for p in range(m.start_[k], m.start_[k + 1]):
                out[(m.index_[p], k) if by_col else (k, m.index_[p])] = m.value_[p]
        return out

    assert triplets(loaded) == triplets(reference)
    assert loaded.num_row_ == reference.num_row_ > 0


def test_plan_with_collector_paused_is_the_same_and_collector_resumes(tmp_path):
    county = st.synth.county(seed=2, n_schools=12)
    running = gc.isenabled()
    plan = st.optimize(county, mip_gap=0)
    assert gc.isenabled() == running
    plan.to_excel(tmp_path / "plan.xlsx")  # the writers pause it too
    plan.to_dir(tmp_path / "tables")
    assert gc.isenabled() == running
    gc.disable()
    try:
        off = st.optimize(county, mip_gap=0)
        assert not gc.isenabled()  # a caller who switched it off keeps it off
    finally:
        if running:
            gc.enable()
    assert plan.solver.objective == pytest.approx(off.solver.objective, rel=1e-9)
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled() == running


def test_constant_of_reads_what_pulp_keeps():
    _prob, (x, y) = _variables(2)
    assert constant_of(x) == 0.0
    assert constant_of(3 * x - y + 7.5) == (3 * x - y + 7.5).constant == 7.5
    assert constant_of(4) == 4.0


_MODEL_DIGEST = """
import hashlib, json
import staffing as st
model = st.build_model(st.synth.county(seed=0, n_schools=40), st.Policy())
text = json.dumps(model.prob.toDict(), sort_keys=True, default=str)
print(hashlib.sha256(text.encode()).hexdigest())
"""


def test_model_is_the_same_to_the_last_bit_whatever_blas_kernel_numpy_uses():
    """Swap machines, same model: every coefficient and bound (full precision, from
    ``prob.toDict()``) is equal whichever CPU kernel OpenBLAS picks. A BLAS dot product
    in the need prices made them differ in the last bit, and HiGHS then took another
    path (a five-year plan 37 s on one kernel, 53 s on another)."""
    import os
    import subprocess
    import sys

    digests = set()
    for kernel in ("Haswell", "Prescott", "SkylakeX"):
        env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
        out = subprocess.run([sys.executable, "-c", _MODEL_DIGEST], env=env, check=True,
                             capture_output=True, text=True)
        digests.add(out.stdout.strip().splitlines()[-1])
    assert len(digests) == 1
