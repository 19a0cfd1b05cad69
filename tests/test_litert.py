"""LiteRT (TFLite) parity of the smoke export (nbs/50): optional. The converter (onnx2tf) pins numpy, onnxruntime and
OpenCV versions of its own, so it lives in its own venv, which `make litert` creates (`.venv-litert/`, or
`$WELDNB_LITERT_PYTHON`). A fresh clone has none: the test then skips, saying so, and `make test` does not need it."""
from __future__ import annotations
import json

import pytest
from exported_model import SMOKE, MODEL, exported_smoke_model

pytestmark = pytest.mark.after_notebooks


def test_litert_matches_onnx():
    from weldnb.export import litert_python
    if litert_python() is None:
        pytest.skip('no LiteRT venv (make litert creates .venv-litert/, or set WELDNB_LITERT_PYTHON): '
                    'onnx2tf needs numpy / onnxruntime / OpenCV versions of its own')
    exported_smoke_model()
    rec = SMOKE/'models'/f'{MODEL}.litert'/'litert.json'
    assert rec.is_file(), f'{rec}: missing although a LiteRT venv exists; rerun nbs/50_export at smoke scale'
    r = json.loads(rec.read_text())
    assert r['status'] == 'present' and r['argmax_agreement'] == 1.0, r
    assert r['parity'] and all(v <= 1e-3 for v in r['parity'].values()), r['parity']


def test_litert_row_in_benchmark():
    "With a LiteRT venv, the benchmark (nbs/53) times the flatbuffer beside its ONNX source and scores it on the test split."
    from weldnb.export import litert_python
    if litert_python() is None:
        pytest.skip('no LiteRT venv (make litert creates .venv-litert/, or set WELDNB_LITERT_PYTHON)')
    from weldnb.infer.manifest import read_manifest, verify_files
    model, _ = exported_smoke_model()
    verify_files(model, read_manifest(model))   # the conversion left every shipped file as its digest says (onnx2tf rewrites its input)
    bench = SMOKE/'reports'/'benchmark.json'
    assert bench.is_file(), f'{bench}: missing; nbs/53_benchmark runs before this test'
    lite = json.loads(bench.read_text())['litert']
    assert lite.get('model', '').startswith('LiteRT'), lite
    assert lite['agreement_with_onnx_fp32'] >= 0.99 and 0 <= lite['f1_macro'] <= 1, lite
    assert all(v['p50'] > 0 for v in lite['lat'].values()) and lite['ratio_vs_onnx'], lite
