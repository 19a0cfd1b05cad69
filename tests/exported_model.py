"""The exported smoke model that the fresh-venv tests run: `runs/smoke/models/edge/` and the predictions the
inference notebook recorded beside it (`edge.predictions.json`). If they are missing, the notebooks that make
them run first at smoke scale (train -> export -> infer), each only when its output is absent."""
from __future__ import annotations
import json, os, subprocess, sys
from pathlib import Path

from weldnb.run import run_notebook

SMOKE = Path(__file__).resolve().parent.parent/'runs'/'smoke'
MODEL = 'edge'


def _chain() -> list:
    "(notebook stem, output that shows it has run) in pipeline order."
    return [('20e_train_run', SMOKE/'models'/'trained'),      # at smoke scale it trains on its own fixture dataset
            ('50_export', SMOKE/'models'/MODEL/'manifest.json'),
            ('51c_infer_cli', SMOKE/'models'/f'{MODEL}.predictions.json')]


def exported_smoke_model() -> tuple[Path, dict]:
    "(model folder, recorded predictions) of the smoke export, running the missing notebooks first."
    for stem, out in _chain():
        if not out.exists(): run_notebook(stem, 'smoke')
    model = SMOKE/'models'/MODEL
    return model, json.loads((SMOKE/'models'/f'{MODEL}.predictions.json').read_text())


def run_cli(venv: Path, model: Path, images: list, *args) -> subprocess.CompletedProcess:
    "`weldnb-infer MODEL IMAGES... --json` in `venv`, outside the checkout and without this process's PYTHON* variables."
    env = {k: v for k, v in os.environ.items() if not k.startswith('PYTHON') and k != 'VIRTUAL_ENV'}
    return subprocess.run([str(venv/'bin'/'weldnb-infer'), str(model), *map(str, images), '--json', *args],
                          capture_output=True, text=True, cwd='/', env=env, timeout=600)


def compare(lines: list, recorded: dict, prob_tol: float = 0.02) -> None:
    "Assert the command's JSON lines give the recorded labels and argmax, and probabilities within `prob_tol`."
    got = {l['image']: l for l in lines}
    for r in recorded['predictions']:
        g = got[r['image']]
        assert 'error' not in g, g
        assert (g['label'], g['argmax']) == (r['label'], r['argmax']), (r['image'], g, r)
        diff = max(abs(g['probs'][c] - p) for c, p in r['probs'].items())
        assert diff <= prob_tol, (r['image'], diff)
