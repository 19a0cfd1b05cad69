"""`weldnb-run` as a user runs it (`python -m weldnb.run` in a subprocess) on tiny checkouts: bad input is one
line before anything runs; selection, resume, run.json, and metrics files that a run replaces whole."""
import json, os, subprocess, sys
from pathlib import Path

import pytest
from tiny_notebooks import code, nb, tiny_checkout

ROOT = Path(__file__).resolve().parent.parent


def cli(cwd: Path, *args) -> subprocess.CompletedProcess:
    "`weldnb-run ARGS` in the checkout `cwd`, with this repository's weldnb."
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), *filter(None, [os.environ.get('PYTHONPATH')])])}
    for k in ('WELDNB_HOME', 'WELDNB_DATA', 'WELDNB_REPORTS', 'WELDNB_MODELS', 'WELDNB_RUN_ID'): env.pop(k, None)
    return subprocess.run([sys.executable, '-m', 'weldnb.run', *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def one_error_line(r: subprocess.CompletedProcess) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('ERROR: '), r.stderr
    return lines[0]


def json_of(p: Path) -> dict: return json.loads(p.read_text())


@pytest.fixture
def tiny(tmp_path): return tiny_checkout(tmp_path/'checkout')


@pytest.mark.parametrize('args, says', [
    (['run', '20_trian', '--scale', 'smoke'], "unknown notebook '20_trian'; valid names: 00_core, "),
    (['run', '--scale', 'huge'], "unknown scale 'huge'; valid scales: smoke, demo, full"),
    (['run', '40..20', '--scale', 'smoke'], "empty range '40..20'"),
    (['run', '30..40', '--from', '20', '--scale', 'smoke'], 'is not among the selected notebooks'),
    (['list', 'nosuch'], "unknown notebook 'nosuch'"),
])
def test_bad_input_is_one_line(args, says):
    r = cli(ROOT, *args)
    assert r.returncode == 2 and says in one_error_line(r) and r.stdout == ''


def test_unknown_parameter_stops_before_anything_runs(tiny):
    (tiny/'params'/'smoke.yaml').write_text('01_first: {n: 1}\n02_second: {nn: 2}\n')
    r = cli(tiny, 'run', '--scale', 'smoke')
    line = one_error_line(r)
    assert r.returncode == 2 and "params/smoke.yaml: 02_second has no parameter 'nn'; its parameters are: n, sizes" in line
    assert not (tiny/'runs').exists(), 'a notebook ran although the parameter file was bad'
    (tiny/'params'/'full.yaml').write_text('03_third: {n: 1}\n')
    assert "no notebook named '03_third'; valid names: 01_first, 02_second" in one_error_line(cli(tiny, 'run', '--scale', 'full'))


def test_missing_smoke_entry_names_the_notebook(tiny):
    (tiny/'params'/'smoke.yaml').write_text('01_first: {n: 1}\n')
    assert 'no smoke parameters for 02_second; add "02_second: {}"' in one_error_line(cli(tiny, 'run', '02', '--scale', 'smoke'))
    from weldnb.run import load_params
    assert load_params('smoke', tiny, need=['01_first']) == {'01_first': {'n': 1}}   # only the notebooks that run need one


def test_run_resume_and_run_json(tiny):
    r = cli(tiny, 'run', '--scale', 'smoke')
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert 'no earlier run at this scale' in out[0] and out[1] == '[1/2] 01_first ...'
    assert any(l.startswith('[2/2] 02_second done in ') and 'min so far, about 0.0 min left' in l for l in out), out
    metrics = tiny/'runs'/'smoke'/'reports'/'metrics'
    run = json_of(metrics/'run.json')
    assert run['complete'] == 1 and run['n_notebooks'] == 2 and run['scale'] == 'smoke' and run['commit'] == ''
    assert run['total_minutes'] >= run['minutes_01_first'] + run['minutes_02_second'] - 1e-3
    assert 'pipeline_demo_minutes' not in run                                  # smoke scale
    first = (tiny/'runs'/'smoke'/'01_first.ipynb').stat().st_mtime_ns

    r = cli(tiny, 'run', '--from', '02_second', '--scale', 'smoke')
    assert r.returncode == 0, r.stderr
    assert 'estimates from the last run at this scale' in r.stdout.splitlines()[0]
    assert (tiny/'runs'/'smoke'/'01_first.ipynb').stat().st_mtime_ns == first, 'resume ran the notebook before --from'
    run2 = json_of(metrics/'run.json')
    assert (run2['complete'], run2['resumed_from'], run2['n_notebooks']) == (0, '02_second', 1)
    assert 'minutes_01_first' not in run2 and run2['run_id'] != run['run_id']


def test_demo_run_replaces_metrics_whole_and_times_only_a_complete_pipeline(tiny):
    assert cli(tiny, 'run', '--scale', 'demo').returncode == 0
    metrics = tiny/'reports'/'metrics'                                        # demo writes in the checkout
    run, m1 = json_of(metrics/'run.json'), json_of(metrics/'01_first.json')
    assert run['pipeline_demo_minutes'] == round(run['total_minutes'], 2) and run['scale'] == 'demo'
    assert (m1['n_3'], m1['second_call']) == (3, 1)     # the notebook's default n = 3; its two write_metrics calls both kept
    (tiny/'params'/'demo.yaml').write_text('01_first: {n: 4}\n')               # an explicit demo override
    assert cli(tiny, 'run', '01', '--scale', 'demo').returncode == 0
    m2 = json_of(metrics/'01_first.json')
    assert 'n_3' not in m2 and (m2['n_4'], m2['second_call']) == (4, 1) and m2['run_id'] != m1['run_id']
    assert 'pipeline_demo_minutes' not in json_of(metrics/'run.json')          # one notebook is not the pipeline


def test_failing_notebook_stops_the_run_in_one_line(tiny):
    (tiny/'nbs'/'01_first.ipynb').write_text(json.dumps(nb([code('scale = "demo"', ['parameters']), code('raise ValueError("bad weld")')])))
    (tiny/'params'/'smoke.yaml').write_text('01_first: {}\n02_second: {}\n')
    r = cli(tiny, 'run', '--scale', 'smoke')
    line = one_error_line(r)
    assert r.returncode == 1 and 'nbs/01_first.ipynb failed in cell' in line and 'ValueError: bad weld' in line
    assert not (tiny/'runs'/'smoke'/'02_second.ipynb').exists() and not (tiny/'runs'/'smoke'/'reports'/'metrics'/'run.json').exists()


@pytest.mark.after_notebooks
def test_every_key_the_smoke_run_wrote_is_in_goals():
    from weldnb.run import check_rows
    rows = check_rows('smoke', ROOT)
    unlisted = [f"{r['notebook']}:{r['key']}" for r in rows if r['goal'] == 'not in goals.yaml']
    assert not unlisted, f'add these keys to goals.yaml (with their goal, if they have one): {unlisted}'
    r = cli(ROOT, 'check', '--scale', 'smoke')
    assert r.returncode == 0 and '| edge_f1_macro ' in r.stdout and 'goals met' in r.stdout.splitlines()[-1], r.stderr
