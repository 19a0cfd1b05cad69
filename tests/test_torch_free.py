"""The board's slice: a venv with only the base dependencies (no extras) installs weldnb and imports
weldnb and weldnb.infer without torch or fastai (DESIGN §5)."""
import json, os, subprocess, sys, tempfile, time
from pathlib import Path

import pytest
from venvs import fresh_venv

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ('torch', 'torchvision', 'fastai', 'pandas', 'matplotlib', 'sklearn', 'onnx')
PROBE = f"""
import json, sys, time
t0 = time.perf_counter(); import weldnb; import weldnb.infer; dt = time.perf_counter() - t0
print(json.dumps(dict(import_s=dt, heavy=[m for m in {HEAVY!r} if m in sys.modules], file=weldnb.__file__)))
"""


def _du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob('*') if p.is_file() and not p.is_symlink()) / 2**20


@pytest.fixture(scope='module')
def base_venv():
    with fresh_venv('weldnb-base-', [str(ROOT)]) as venv: yield venv


def test_base_install_has_no_training_stack(base_venv):
    r = subprocess.run([str(base_venv/'bin'/'pip'), 'list', '--format=json'], capture_output=True, text=True, check=True)
    names = {p['name'].lower() for p in json.loads(r.stdout)}
    assert {'numpy', 'opencv-python-headless', 'onnxruntime', 'weldnb'} <= names
    assert not names & {'torch', 'fastai', 'torchvision', 'pandas', 'matplotlib', 'opencv-python'}, names


def test_import_infer_torch_free(base_venv):
    env = {k: v for k, v in os.environ.items() if not k.startswith('PYTHON')}
    best = None
    for _ in range(3):   # the first import also compiles .pyc files; report the best of three fresh processes
        r = subprocess.run([str(base_venv/'bin'/'python'), '-c', PROBE], capture_output=True, text=True, cwd='/', env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        out = json.loads(r.stdout)
        assert out['heavy'] == [], f'the torch-free slice imported {out["heavy"]}'
        assert str(base_venv) in out['file'], out['file']   # the installed package, not the checkout
        best = out['import_s'] if best is None else min(best, out['import_s'])
    print(f'\nimport weldnb.infer in the base-only venv: {best:.3f} s; venv size {_du_mb(base_venv):.0f} MB')
    assert best < 2.0


@pytest.mark.after_notebooks    # needs the smoke model that the notebook chain exported
def test_weldnb_infer_command_in_base_venv_matches_notebook(base_venv):
    """`weldnb-infer --json` from the base-only install reproduces the predictions that nbs/51_infer recorded
    for the exported smoke model; a bad image among them fails alone, with exit status 1."""
    from exported_model import compare, exported_smoke_model, run_cli
    model, recorded = exported_smoke_model()
    images = [r['image'] for r in recorded['predictions']]
    r = run_cli(base_venv, model, images)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(lines) == len(images)
    compare(lines, recorded)
    with tempfile.TemporaryDirectory() as t:
        bad = Path(t)/'corrupt.png'; bad.write_bytes(b'\x89PNG\r\n\x1a\n broken')
        r = run_cli(base_venv, model, [images[0], bad])
        assert r.returncode == 1 and 'corrupt.png' in r.stderr and '1 of 2 inputs failed' in r.stderr, r.stderr
        assert json.loads(r.stdout.splitlines()[0])['label'] == recorded['predictions'][0]['label']
