"""Every tampering of an exported model is refused, naming what was changed: one test per manifest field (the field
itself, and each key one level below it), one per model file, and the signature. Runs on the smoke export
(`runs/smoke/models/edge/`); marked `after_notebooks` like the other tests on it."""
from __future__ import annotations
import json, shutil
from pathlib import Path

import pytest
from exported_model import exported_smoke_model

pytestmark = pytest.mark.after_notebooks

# the top-level fields that nbs/50_export writes into a schema-3 manifest (the digest covers each of them)
FIELDS = ['schema_version', 'name', 'created', 'weldnb_version', 'models', 'classes', 'input', 'input_name', 'outputs',
          'architecture', 'training', 'temperature', 'conformal', 'ood', 'drift', 'input_reference', 'self_check', 'int8',
          'rdk', 'files']


def _edit(v):
    "A different value of the same kind."
    if isinstance(v, bool): return not v
    if isinstance(v, (int, float)): return v * 20 + 1
    if isinstance(v, str): return v + 'x'
    if isinstance(v, list): return list(reversed(v)) if len(set(map(json.dumps, v))) > 1 else v + [v[0] if v else 0]
    if isinstance(v, dict): return {**v, 'tampered': True}
    return 'tampered'


@pytest.fixture(scope='module')
def model():
    return exported_smoke_model()[0]


def _load_edited(model: Path, tmp: Path, edit) -> str:
    from weldnb.infer import WeldInspector, ModelError
    d = tmp/'m'
    if d.exists(): shutil.rmtree(d)
    shutil.copytree(model, d)
    m = json.loads((d/'manifest.json').read_text()); edit(m, d)
    (d/'manifest.json').write_text(json.dumps(m))
    with pytest.raises(ModelError) as e: WeldInspector.load(d)
    return str(e.value)


@pytest.mark.parametrize('field', FIELDS)
def test_edited_field_is_refused_by_name(model, tmp_path, field):
    m0 = json.loads((model/'manifest.json').read_text())
    assert field in m0, f'the export no longer writes {field!r}: update FIELDS'
    if field == 'schema_version': return   # a changed schema is refused as another schema (tested in nbs/51)
    msg = _load_edited(model, tmp_path, lambda m, d: m.update({field: _edit(m[field])}))
    assert f"field '{field}" in msg, msg
    if isinstance(m0[field], dict):
        for k in m0[field]:
            msg = _load_edited(model, tmp_path, lambda m, d: m[field].update({k: _edit(m[field][k])}))
            assert f"field '{field}.{k}' was edited" in msg, (k, msg)
    msg = _load_edited(model, tmp_path, lambda m, d: m.pop(field))
    assert field in msg and ('removed' in msg or 'lacks keys' in msg), msg


def test_schema_and_digest(model, tmp_path):
    assert 'newer than' in _load_edited(model, tmp_path, lambda m, d: m.update(schema_version=m['schema_version'] + 1))
    assert 'no valid digest' in _load_edited(model, tmp_path, lambda m, d: m.update(digest={'fields': {}}))
    assert "field 'extra' was added" in _load_edited(model, tmp_path, lambda m, d: m.update(extra=1))


@pytest.mark.parametrize('variant', ['fp32', 'int8', 'rdk'])
def test_changed_model_file_is_refused(model, tmp_path, variant):
    m0 = json.loads((model/'manifest.json').read_text())
    if variant not in m0['models']: pytest.skip(f'{variant} not exported by the smoke run')   # int8 refused by its guard
    def edit(m, d):
        p = d/m['models'][variant]; b = bytearray(p.read_bytes()); b[-1] ^= 1; p.write_bytes(bytes(b))
    assert 'sha256 mismatch' in _load_edited(model, tmp_path, edit)


def test_signature(model, tmp_path):
    from weldnb.infer import WeldInspector, ModelError
    from weldnb.infer.manifest import new_signing_key, sign_manifest
    priv, pub = new_signing_key()
    d = tmp_path/'s'; shutil.copytree(model, d)
    m = json.loads((d/'manifest.json').read_text())
    (d/'manifest.json').write_text(json.dumps(sign_manifest(m, priv)))
    assert WeldInspector.load(d, trusted_keys=[pub]).variant in m['models']
    with pytest.raises(ModelError, match='not among the 1 trusted'): WeldInspector.load(d, trusted_keys=[new_signing_key()[1]])
    (d/'manifest.json').write_text(json.dumps(m))
    with pytest.raises(ModelError, match='not signed'): WeldInspector.load(d, trusted_keys=[pub])
