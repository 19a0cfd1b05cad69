"""The standard set does not depend on the code paths of the machine that builds it (issue #15, part 7): the
same small set built with numpy's SIMD dispatch disabled, OpenCV's SIMD and IPP paths off, one or two OpenCV
threads and one or two worker processes has the same content hash. numpy reads NPY_DISABLE_CPU_FEATURES only
at import, so every variant runs in a fresh interpreter."""
import json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, sys, tempfile
from pathlib import Path
import numpy as np, cv2
optimized, threads, workers = json.loads(sys.argv[1])
cv2.setUseOptimized(optimized); cv2.setNumThreads(threads)
from weldnb.datasets.standard import build_standard
m = np._core._multiarray_umath
with tempfile.TemporaryDirectory() as t:
    h = build_standard(10, seed=3, root=Path(t), workers=workers, shard_size=4)['content_hash']
print(json.dumps(dict(hash=h, numpy_simd=[f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)],
                      cv2_optimized=cv2.useOptimized(), cv2_threads=cv2.getNumThreads())))
"""


def _build(optimized: bool, threads: int, workers: int, disable: str = '') -> dict:
    env = {k: v for k, v in os.environ.items() if k != 'NPY_DISABLE_CPU_FEATURES'}
    env['PYTHONPATH'] = os.pathsep.join([str(ROOT), env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
    if disable: env['NPY_DISABLE_CPU_FEATURES'] = disable
    r = subprocess.run([sys.executable, '-c', CHILD, json.dumps([optimized, threads, workers])], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_standard_set_hash_is_the_same_on_every_code_path():
    ref = _build(True, 2, 1)
    simd = ref['numpy_simd']                                  # the dispatched numpy targets this CPU runs, e.g. X86_V3
    assert ref['cv2_optimized'] and ref['cv2_threads'] == 2
    variants = {'numpy baseline, OpenCV fallbacks, 1 thread, 2 workers': _build(False, 1, 2, ' '.join(simd)),
                'numpy baseline, OpenCV optimised, 2 workers': _build(True, 2, 2, ' '.join(simd)),
                'OpenCV fallbacks, 1 thread': _build(False, 1, 1)}
    for name, v in variants.items():
        if 'numpy baseline' in name: assert v['numpy_simd'] == [], f'{name}: numpy still dispatches to {v["numpy_simd"]}'
        assert v['cv2_optimized'] == ('fallbacks' not in name), name
        assert v['hash'] == ref['hash'], f'{name}: content hash {v["hash"][:12]} != {ref["hash"][:12]} with the default paths'
