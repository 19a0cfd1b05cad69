"""Every numbered notebook runs under papermill at smoke scale: the notebooks are the test suite.

The weld pipeline is a chain (render -> datasets -> variants -> train -> calibrate -> export ...), so its
notebooks live in this file and run in order on one worker (`pytest -n 2 --dist loadfile` keeps a file's
tests together and in order). The real-data chain (17 -> 22), the textured chain (60 -> 64) and the notebooks that need
no weld data (core, runner, docs, the board's collection service) have their own files and run beside it.
"""
import pytest
from weldnb.run import NotebookError, numbered_notebooks, run_notebook

REAL_CHAIN = tuple(p.stem for p in numbered_notebooks() if p.stem[:2] in ('17', '22', '23'))   # tests/test_notebooks_real.py
# notebooks that read no dataset or model of the weld chain (the renderer's benchmark, the input recipe, the speed
# comparison, the training chapters 20-20d, which build fixture sets in temporary folders, and the board's manifest,
# scoring and inspector chapters, which build tiny models of their own): tests/test_notebooks_standalone.py runs them
# on the other worker, so that the chain, the longest file, stays short
STANDALONE = tuple(p.stem for p in numbered_notebooks()
                   if p.stem[:2] in ('00', '01', '02', '03', '04', '05', '65', '70', '71')
                   or p.stem in ('10_render', '10a_preprocess', '16a_variants_speed', '20_train', '20a_train_data',
                                 '20b_train_loss', '20c_train_learner', '20d_train_save', '51_infer', '51a_infer_scoring',
                                 '51b_infer_inspector'))
TEXTURED_CHAIN = tuple(p.stem for p in numbered_notebooks() if p.stem[:2] in ('60', '61', '62', '63', '64'))  # tests/test_notebooks_textured.py


def check_notebook(stem: str) -> None:
    try: run_notebook(stem, 'smoke')
    except NotebookError as e: pytest.fail(str(e), pytrace=False)


@pytest.mark.parametrize('stem', [p.stem for p in numbered_notebooks() if p.stem not in REAL_CHAIN + TEXTURED_CHAIN + STANDALONE])
def test_notebook(stem):
    check_notebook(stem)
