"""The optimisation model: one PuLP problem per county, built from rule blocks."""

from staffing.model.build import CountyModel, build_model, solve_model
from staffing.model.solve import SolveStats, available_solvers, solve

__all__ = ["CountyModel", "build_model", "solve_model", "SolveStats", "available_solvers",
           "solve"]
