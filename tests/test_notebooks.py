"""Every numbered notebook runs under papermill at smoke scale: the notebooks are the test suite.

The weld pipeline is a chain (render -> datasets -> variants -> train -> calibrate -> export ...), so its
notebooks live in this file and run in order on one worker (`pytest -n 2 --dist loadfile` keeps a file's
tests together and in order). The real-data chain (17 -> 22) has its own file and runs beside it.
"""
import pytest
from runner import NotebookError, numbered_notebooks, run_notebook

REAL_CHAIN = ('17_public_datasets', '17a_public_scanners', '17b_public_convert', '22_real_baselines')   # tests/test_notebooks_real.py
TEXTURED_CHAIN = tuple(p.stem for p in numbered_notebooks() if p.stem[:2] in ('60', '61', '62', '63', '64'))  # tests/test_notebooks_textured.py


def check_notebook(stem: str) -> None:
    try: run_notebook(stem, 'smoke')
    except NotebookError as e: pytest.fail(str(e), pytrace=False)


@pytest.mark.parametrize('stem', [p.stem for p in numbered_notebooks() if p.stem not in REAL_CHAIN + TEXTURED_CHAIN])
def test_notebook(stem):
    check_notebook(stem)
