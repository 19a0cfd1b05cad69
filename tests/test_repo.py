"""Repository contracts that no single notebook owns: parameters cells, the parameter files of every scale,
the goals file, clean notebooks, the README, and the clear one-line failures of the runner and the Makefile."""
import json, os, re, shutil, stat, subprocess, sys
from pathlib import Path

import pytest
from tiny_notebooks import code as _code, nb as _nb
from weldnb.docs import readme_text
from weldnb.run import SCALES, NotebookError, load_goals, load_params, nbs_dir, numbered_notebooks, parameters_cells, run_notebook

ROOT = Path(__file__).resolve().parent.parent
NBS = nbs_dir(ROOT)


def test_every_notebook_has_one_parameters_cell_with_scale():
    for p in numbered_notebooks():
        assert parameters_cells(p) == 1, p.name
        cell = next(c for c in json.loads(p.read_text())['cells'] if 'parameters' in c['metadata'].get('tags', []))
        assert 'scale' in ''.join(cell['source']), f'{p.name}: the parameters cell must define `scale`'


def test_parameter_files_are_valid_and_smoke_is_complete():
    "params/<scale>.yaml name only notebooks and parameters that exist; every notebook has smoke parameters."
    stems = [p.stem for p in numbered_notebooks(ROOT)]
    for scale in SCALES:
        d = load_params(scale, ROOT, need=stems)        # raises, in one line, on any unknown notebook or key
        assert scale != 'smoke' or set(d) == set(stems)


def test_goals_file_parses():
    goals = load_goals(ROOT)
    assert 'pipeline_demo_minutes' in goals and all(g['meaning'] for g in goals.values())


def test_notebooks_are_committed_clean():
    for p in [*numbered_notebooks(), NBS/'index.ipynb']:
        for c in json.loads(p.read_text())['cells']:
            if c['cell_type'] == 'code':
                assert c['outputs'] == [] and c['execution_count'] is None, f'{p.name}: run nbdev-clean'
            assert set(c['metadata']) <= {'tags'}, f'{p.name}: cell metadata {set(c["metadata"])}'


def test_readme_is_generated_from_index():
    assert (ROOT/'README.md').read_text() == readme_text(ROOT), 'README.md is stale: run `make readme`'
    text = (ROOT/'README.md').read_text()
    assert text.index('make pipeline') < text.index('| notebook |') < text.index('## Results') and 'Coming from nbdev 2' in text
    assert '](nbs/design.md)' in text and (ROOT/'nbs'/'design.md').is_file()


def test_missing_parameters_cell_is_one_clear_error(tmp_path):
    p = tmp_path/'99_noparams.ipynb'; p.write_text(json.dumps(_nb([_code('x = 1')])))
    with pytest.raises(NotebookError, match='has 0 cells tagged "parameters"; tag exactly one cell'):
        run_notebook(p, 'smoke', params={}, out_dir=tmp_path/'out')


def test_failing_notebook_names_notebook_and_cell(tmp_path):
    p = tmp_path/'98_fails.ipynb'
    p.write_text(json.dumps(_nb([_code('scale = "demo"', ['parameters']), _code('a = 1'), _code('raise ValueError("bad weld")')])))
    with pytest.raises(NotebookError) as e:
        run_notebook(p, 'smoke', params={}, out_dir=tmp_path/'out')
    msg = str(e.value)
    assert '98_fails.ipynb failed in cell' in msg and 'ValueError: bad weld' in msg and '\n' not in msg
    assert (tmp_path/'out'/'98_fails.ipynb').is_file()


def _make(tmp_path, python):
    for f in ('Makefile', 'pyproject.toml'): shutil.copy(ROOT/f, tmp_path/f)
    env = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MAKELEVEL', 'MFLAGS')}
    return subprocess.run(['make', 'install', f'PYTHON={python}'], cwd=tmp_path, capture_output=True, text=True, env=env)


def test_make_without_python3(tmp_path):
    r = _make(tmp_path, 'no-such-python3')
    assert r.returncode != 0 and 'ERROR: python3 not found' in r.stderr


def test_make_without_venv_module(tmp_path):
    fake = tmp_path/'python3-novenv'
    fake.write_text('#!/bin/sh\necho "ModuleNotFoundError: No module named ensurepip" >&2; exit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    r = _make(tmp_path, fake)
    assert r.returncode != 0
    ours = [l for l in r.stderr.strip().splitlines() if not re.match(r'make(\[\d+\])?: \*\*\*', l)]   # make's own trailer aside
    assert len(ours) == 1 and 'apt-get install python3-venv' in ours[0], r.stderr
