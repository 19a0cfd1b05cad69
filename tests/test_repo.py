"""Repository contracts that no single notebook owns: parameters cells, smoke parameters, clean
notebooks, the README, and the clear one-line failures of the runner and the Makefile."""
import json, os, re, shutil, stat, subprocess, sys
from pathlib import Path

import pytest
import docs_site
from runner import NBS, ROOT, NotebookError, numbered_notebooks, parameters_cells, run_notebook, smoke_params


def _nb(cells):
    return {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
            'nbformat': 4, 'nbformat_minor': 5}


def _code(src, tags=()):
    return {'cell_type': 'code', 'execution_count': None, 'id': f'c{abs(hash(src)) % 10**8}',
            'metadata': {'tags': list(tags)} if tags else {}, 'outputs': [], 'source': src}


def test_every_notebook_has_one_parameters_cell_with_scale():
    for p in numbered_notebooks():
        assert parameters_cells(p) == 1, p.name
        cell = next(c for c in json.loads(p.read_text())['cells'] if 'parameters' in c['metadata'].get('tags', []))
        assert 'scale' in ''.join(cell['source']), f'{p.name}: the parameters cell must define `scale`'


def test_every_notebook_has_smoke_parameters():
    sp = smoke_params()
    missing = [p.stem for p in numbered_notebooks() if p.stem not in sp]
    assert not missing, f'add these to tests/smoke_params.yaml: {missing}'
    stale = sorted(set(sp) - {p.stem for p in numbered_notebooks()})
    assert not stale, f'tests/smoke_params.yaml names notebooks that do not exist: {stale}'


def test_notebooks_are_committed_clean():
    for p in [*numbered_notebooks(), NBS/'index.ipynb']:
        for c in json.loads(p.read_text())['cells']:
            if c['cell_type'] == 'code':
                assert c['outputs'] == [] and c['execution_count'] is None, f'{p.name}: run nbdev-clean'
            assert set(c['metadata']) <= {'tags'}, f'{p.name}: cell metadata {set(c["metadata"])}'


def test_readme_is_generated_from_index():
    assert (ROOT/'README.md').read_text() == docs_site.readme_text(), 'README.md is stale: run `make readme`'
    text = (ROOT/'README.md').read_text()
    assert text.index('make pipeline') < text.index('| notebook |') and 'Coming from nbdev 2' in text


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
