"""The textured-surface and active-learning notebooks (60-64: generator, embedding CNN, AL on embeddings,
the grid, the CNN loop) at smoke scale, in order, in their own file so that xdist runs them beside the weld
chain of tests/test_notebooks.py (they need nothing the weld chain writes)."""
import pytest
from weldnb.run import numbered_notebooks
from test_notebooks import TEXTURED_CHAIN, check_notebook


@pytest.mark.parametrize('stem', [p.stem for p in numbered_notebooks() if p.stem in TEXTURED_CHAIN])
def test_notebook(stem):
    check_notebook(stem)
