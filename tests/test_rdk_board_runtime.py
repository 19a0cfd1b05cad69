"""The board's runtime, as far as it can be checked on this x86 machine.

1. The exported smoke model loads and predicts as in the inference notebook in a fresh venv that has the
   board's onnxruntime (1.23.2, the last release for the RDK X5's Python 3.10), numpy, OpenCV and no torch;
   all three model files (fp32, int8, RDK profile) load there.
2. The base install plus the service's extra (`weldnb[board]`: flask, waitress) resolves to aarch64 / CPython 3.10
   wheels, and so does the signature extra (`weldnb[sign]`: cryptography). The RDK X5 image is Ubuntu 22.04 (glibc 2.35),
   so the platform tags are manylinux_2_35 down to manylinux2014. With manylinux2014 alone, onnxruntime
   resolves to 1.16.3, below the package's floor (1.17), and the install fails: the test checks both.

3. `weldnb-board serve` (nbs/72) runs from that venv (base install + the board extra, nothing else): health,
   a collect, an export and an inspection answer over HTTP on 127.0.0.1, and the service loads none of the
   training stack.

Python 3.10 itself is not installed on this machine: the venv uses its Python (3.11).
Marked `after_notebooks`: `make test` runs it in its second phase, once the notebook chain has written the
smoke model (run alone, it runs the missing notebooks first).
"""
import hashlib, http.client, json, os, secrets, subprocess, sys, tempfile
from pathlib import Path

import pytest
from exported_model import compare, exported_smoke_model, run_cli
from venvs import fresh_venv

ROOT = Path(__file__).resolve().parent.parent

ORT_BOARD = '1.23.2'
BOARD_PLATFORMS = ['manylinux_2_35_aarch64', 'manylinux_2_28_aarch64', 'manylinux_2_27_aarch64',
                   'manylinux_2_17_aarch64', 'manylinux2014_aarch64']
pytestmark = pytest.mark.after_notebooks


@pytest.fixture(scope='module')
def board_venv():
    with fresh_venv('weldnb-board-', [f'onnxruntime=={ORT_BOARD}', 'numpy', 'opencv-python-headless<5'],
                    [f'{ROOT}[board]']) as venv:   # the board extra resolves on top of the base install
        yield venv


def test_board_runtime_matches_the_notebook(board_venv):
    model, recorded = exported_smoke_model()
    py = str(board_venv/'bin'/'python')
    v = subprocess.run([py, '-c', 'import onnxruntime, sys; print(onnxruntime.__version__); '
                        'print([m for m in ("torch", "fastai") if m in sys.modules])'], capture_output=True, text=True, cwd='/')
    assert v.stdout.split() == [ORT_BOARD, '[]'], v.stdout + v.stderr
    images = [r['image'] for r in recorded['predictions']]
    r = run_cli(board_venv, model, images)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    compare(lines, recorded)
    # weldnb.infer's self-check: on this x86 CPU onnxruntime 1.23.2's fused int8 convolutions are wrong for some
    # channel counts, and the inspector then runs the int8 model unfused (see nbs/51_infer); report which path ran
    fallback = [w for w in lines[0]['warnings'] if 'without QDQ fusion' in w]
    print(f'\nint8 on onnxruntime {ORT_BOARD}: ' + (fallback[0] if fallback else 'fused kernels agree with the export reference'))
    for variant in ('fp32', 'rdk'):
        r = run_cli(board_venv, model, images[:2], '--variant', variant)
        assert r.returncode == 0, (variant, r.stderr[-3000:])
    print(f'\nonnxruntime {ORT_BOARD}: {len(images)} predictions match {model.name}.predictions.json; fp32 and rdk load')


def _board_wheels(tmp_path: Path, extras: str) -> tuple:
    "(the pip download command prefix, names of the wheels) of this package with `extras` resolved for aarch64 / CPython 3.10."
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', str(ROOT), '-w', str(tmp_path/'w')],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    wheel = next((tmp_path/'w').glob('weldnb-*.whl'))
    base = [sys.executable, '-m', 'pip', 'download', '-q', '--only-binary=:all:', '--python-version', '3.10']
    r = subprocess.run([*base, *[a for p in BOARD_PLATFORMS for a in ('--platform', p)], f'{wheel}[{extras}]', '-d', str(tmp_path/'d')],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return base, sorted(p.name for p in (tmp_path/'d').iterdir())


def test_base_install_resolves_for_the_board(tmp_path):
    base, names = _board_wheels(tmp_path, 'board')
    ort = [n for n in names if n.startswith('onnxruntime-')]
    assert ort and 'cp310' in ort[0] and 'aarch64' in ort[0], names
    assert any(n.startswith('numpy-') and 'aarch64' in n for n in names), names
    assert any(n.startswith('opencv_python_headless-') and 'aarch64' in n for n in names), names
    assert any(n.startswith('flask-') for n in names) and any(n.startswith('waitress-') for n in names), names
    assert not any(n.lower().startswith(('torch', 'fastai', 'pandas', 'matplotlib', 'scikit_learn', 'scipy')) for n in names), names
    print('\nboard wheels:', ', '.join(n for n in names if n.startswith(('onnxruntime', 'numpy', 'opencv', 'flask', 'waitress'))))
    # the manylinux2014-only resolution is the trap: onnxruntime stops at 1.16.3 there, below our floor
    r2 = subprocess.run([*base, '--platform', 'manylinux2014_aarch64', '--no-deps', 'onnxruntime>=1.17', '-d', str(tmp_path/'d2')],
                        capture_output=True, text=True, timeout=900)
    assert r2.returncode != 0 and 'onnxruntime' in r2.stderr


HEAVY = ('torch', 'torchvision', 'fastai', 'pandas', 'matplotlib', 'sklearn', 'onnx')
PROBE = f"""
import json, sys, tempfile
from weldnb.service import create_app
from weldnb.collect import VirtualCamera
app, live, store = create_app(sys.argv[1], tempfile.mkdtemp(), 'probe-token-123456', VirtualCamera((96, 128), n_frames=2))
c = app.test_client(); h = {{'Authorization': 'Bearer probe-token-123456'}}
codes = [c.post('/api/inspect', headers=h).status_code, c.post('/api/training/collect', json={{'label': 'good'}}, headers=h).status_code]
print(json.dumps(dict(codes=codes, mode=live.mode, heavy=[m for m in {HEAVY!r} if m in sys.modules], file=sys.modules['weldnb'].__file__)))
"""


def _request(port: int, method: str, path: str, token: str = '', body: bytes | None = None) -> tuple:
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    c.request(method, path, body=body, headers={'Content-Type': 'application/json', **({'Authorization': f'Bearer {token}'} if token else {})})
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, r.headers, data


def test_service_runs_from_the_board_install(board_venv):
    model, _ = exported_smoke_model()
    env = {k: v for k, v in os.environ.items() if not k.startswith('PYTHON') and k != 'VIRTUAL_ENV'}
    r = subprocess.run([str(board_venv/'bin'/'pip'), 'list', '--format=json'], capture_output=True, text=True, check=True)
    names = {p['name'].lower() for p in json.loads(r.stdout)}
    assert {'flask', 'waitress', 'onnxruntime', 'weldnb'} <= names
    assert not names & {'torch', 'fastai', 'pandas', 'matplotlib', 'scikit-learn', 'scipy', 'opencv-python'}, names
    p = subprocess.run([str(board_venv/'bin'/'python'), '-c', PROBE, str(model)], capture_output=True, text=True, cwd='/', env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout)
    assert out['codes'] == [200, 201] and out['mode'] == 'model' and out['heavy'] == [], out
    assert str(board_venv) in out['file'], out['file']          # the installed package, not the checkout
    token = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory() as data:
        srv = subprocess.Popen([str(board_venv/'bin'/'weldnb-board'), 'serve', '--model', str(model), '--data', data, '--token', token,
                                '--port', '0', '--virtual-size', '120x160'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd='/', env=env)
        try:
            line = srv.stdout.readline()
            assert 'serving on http://127.0.0.1:' in line, line + srv.stderr.read()[-3000:]
            port = int(line.split('serving on ')[1].split('/')[2].split(':')[1])
            st, _, body = _request(port, 'GET', '/api/health')
            health = json.loads(body)
            assert st == 200 and health['mode'] == 'model' and health['model']['hashes_verified'], health
            assert _request(port, 'POST', '/api/training/collect', body=b'{"label": "good"}')[0] == 401
            st, _, body = _request(port, 'POST', '/api/training/collect', token, b'{"label": "spatter"}')
            assert st == 201 and json.loads(body)['label'] == 'spatter', body
            st, _, body = _request(port, 'POST', '/api/inspect', token, b'{}')
            ans = json.loads(body)
            assert st == 200 and ans['verdict'] in ('Pass', 'Fail', 'Unknown') and ans['probs'], ans
            st, headers, body = _request(port, 'POST', '/api/training/export', token, b'{}')
            assert st == 200 and hashlib.sha256(body).hexdigest() == headers['X-Archive-SHA256']
            assert _request(port, 'GET', '/')[0] == 200
        finally:
            srv.terminate(); srv.wait(30)
    print(f"\nweldnb-board serve from the base + [board] venv: {health['model']['name']} verified, verdict {ans['verdict']}, "
          f"{ans['latency_ms']:.0f} ms per inspection")


def test_sign_extra_resolves_for_the_board(tmp_path):
    "The optional signature extra (`weldnb[sign]`: cryptography) installs on the board too: aarch64 / CPython 3.10 wheels."
    _, names = _board_wheels(tmp_path, 'sign')
    assert any(n.startswith('cryptography-') and 'aarch64' in n for n in names), names
