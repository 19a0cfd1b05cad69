"""The real-data notebooks (public dataset adapters, then baselines on them) at smoke scale, in order,
on their own xdist worker beside the weld chain of tests/test_notebooks.py."""
import pytest
from weldnb.run import numbered_notebooks
from test_notebooks import REAL_CHAIN, check_notebook


@pytest.mark.parametrize('stem', [p.stem for p in numbered_notebooks() if p.stem in REAL_CHAIN])
def test_notebook(stem):
    check_notebook(stem)
