"""The notebooks that read no dataset or model of the weld chain (core, metrics, report, runner, docs, io, the board's
collection service and its page), at smoke scale, on the other xdist worker than the weld chain of tests/test_notebooks.py."""
import pytest
from weldnb.run import numbered_notebooks
from test_notebooks import STANDALONE, check_notebook


@pytest.mark.parametrize('stem', [p.stem for p in numbered_notebooks() if p.stem in STANDALONE])
def test_notebook(stem):
    check_notebook(stem)
