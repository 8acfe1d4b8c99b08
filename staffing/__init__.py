"""staffing: teacher staffing plans for county education bureaus.

Turns a county's staffing rules (the Chuxiong 2024 action plan and the national
rules it rests on) into one integer program and returns a plan: quotas per school
through the turnover pool, with the reasons behind them.
"""

from staffing import synth
from staffing.classes import estimate_classes
from staffing.compare import compare
from staffing.data import County, load_county
from staffing.errors import StaffingDataError
from staffing.model import build_model
from staffing.needs import subject_needs
from staffing.norms import quota_norms
from staffing.optimize import optimize
from staffing.plan import Plan
from staffing.policy import Policy, PolicyError

__version__ = "0.1.0"

__all__ = [
    "County",
    "Plan",
    "Policy",
    "PolicyError",
    "StaffingDataError",
    "build_model",
    "compare",
    "estimate_classes",
    "load_county",
    "optimize",
    "quota_norms",
    "subject_needs",
    "synth",
    "__version__",
]
