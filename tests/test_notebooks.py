"""Every numbered notebook runs under papermill at smoke scale: the notebooks are the test suite.

The weld pipeline is a chain (render -> datasets -> variants -> train -> calibrate -> export ...), so its
notebooks share one xdist group and run in order on one worker; independent chains get their own group
and run beside it (`pytest -n 2 --dist loadgroup`).
"""
import pytest
from runner import NotebookError, numbered_notebooks, run_notebook

# Notebooks whose inputs do not come from the weld chain, by group.
INDEPENDENT = {'17_public_datasets': 'real', '22_real_baselines': 'real'}


def _params():
    for p in numbered_notebooks():
        yield pytest.param(p.stem, id=p.stem, marks=pytest.mark.xdist_group(INDEPENDENT.get(p.stem, 'weld')))


@pytest.mark.parametrize('stem', list(_params()))
def test_notebook(stem):
    try: run_notebook(stem, 'smoke')
    except NotebookError as e: pytest.fail(str(e), pytrace=False)
