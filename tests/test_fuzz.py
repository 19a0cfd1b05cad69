"""The fuzz suite: property-based tests (hypothesis) of every reader of untrusted input (issue 21).

Generated inputs: images (sizes, dtypes, channels, formats, truncations, flipped bytes, rewritten headers), depth
maps (dtypes, shapes, byte orders, NaN, pickled objects, cut or rewritten `.npy` headers), board archives (member
names, types, sizes, contents) and public-dataset label files (YOLO label lines and `data.yaml`, symbolic links).
The properties, for each reader: the call either returns a valid result or raises the documented error type
(`InputError` and its subclasses) with a message that starts with the input's name; nothing is written on
failure; memory (traced by tracemalloc, which sees numpy's and OpenCV's arrays) stays under a bound; a batch of the
board's inference answers per input, and the command exits 1 exactly when some input failed.

`make test` runs it with the `small` profile (few examples, derandomised: the same examples every run); `make fuzz`
with the `fuzz` profile (FUZZ_EXAMPLES examples per property, default 500, random, failures kept in
runs/hypothesis/ and replayed first next time).
"""
from __future__ import annotations
import contextlib, io, json, os, pickle, shutil, struct, tarfile, tempfile, tracemalloc, zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from weldnb.infer.io import InputError, check_depth_map, decode_depth, decode_image, npy_header

ROOT = Path(__file__).resolve().parent.parent
_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.function_scoped_fixture])
settings.register_profile('small', max_examples=int(os.environ.get('FUZZ_EXAMPLES', 20)), derandomize=True, database=None, **_common)
settings.register_profile('fuzz', max_examples=int(os.environ.get('FUZZ_EXAMPLES', 500)),
                          database=DirectoryBasedExampleDatabase(str(ROOT/'runs'/'hypothesis')), **_common)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'small'))

MAX_PIXELS = 1 << 16          # the readers' limit in these tests: a header past it must be refused before decoding
MEMORY_BOUND = 24 << 20       # traced peak of one call (bytes); decoding a 5000 x 5000 header would take 75 MB


@contextlib.contextmanager
def traced(bound: int = MEMORY_BOUND):
    "Fail if the traced memory peak inside the block passes `bound` bytes."
    tracemalloc.start()
    try: yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
    assert peak <= bound, f'traced memory peak {peak/2**20:.1f} MiB over the bound of {bound/2**20:.0f} MiB'


def refused(e: Exception, name: str) -> None:
    "The documented refusal: an InputError whose message starts with the input's name."
    assert isinstance(e, InputError), f'{type(e).__name__}: {e}'
    assert str(e).startswith(f'{name}: ') or str(e).startswith(f'{name} line '), str(e)


# --- images -------------------------------------------------------------------------------------------------------
import cv2

FORMATS = {'.png': (np.uint8, np.uint16), '.jpg': (np.uint8,), '.bmp': (np.uint8,), '.tiff': (np.uint8, np.uint16)}
CHANNELS = {'.png': (0, 1, 3, 4), '.jpg': (0, 3), '.bmp': (0, 3, 4), '.tiff': (0, 1, 3, 4)}


@st.composite
def encoded_images(draw):
    "(bytes, the array encoded (BGR order), format, lossless?) of a random image in one of the accepted formats."
    ext = draw(st.sampled_from(sorted(FORMATS)))
    dtype = draw(st.sampled_from(FORMATS[ext])); ch = draw(st.sampled_from(CHANNELS[ext]))
    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.integers(0, np.iinfo(dtype).max, (h, w) if ch == 0 else (h, w, ch), dtype=dtype, endpoint=True)
    ok, buf = cv2.imencode(ext, a)
    assert ok
    return buf.tobytes(), a, ext, ext != '.jpg'


def expected_pixels(a: np.ndarray) -> np.ndarray:
    "What decode_image must give for a lossless encoding of BGR(A) array `a`."
    if a.dtype == np.uint16: a = np.round(a / 257).astype(np.uint8)
    if a.ndim == 3 and a.shape[2] == 1: a = a[..., 0]
    if a.ndim == 3: a = a[..., 2::-1] if a.shape[2] >= 3 else a[..., 0]
    return np.ascontiguousarray(a)


def mutate(b: bytes, kind: str, data) -> bytes:
    "`b` truncated, with bytes overwritten, or with the PNG / BMP header's width and height rewritten."
    if kind == 'truncate': return b[:data.draw(st.integers(0, max(len(b) - 1, 0)))]
    if kind == 'flip':
        b = bytearray(b)
        for _ in range(data.draw(st.integers(1, 6))):
            b[data.draw(st.integers(0, len(b) - 1))] = data.draw(st.integers(0, 255))
        return bytes(b)
    if kind == 'dims':
        w, h = data.draw(st.integers(0, 2**31 - 1)), data.draw(st.integers(0, 2**31 - 1))
        if b.startswith(b'\x89PNG'): return b[:16] + struct.pack('>II', w, h) + b[24:]
        if b.startswith(b'BM'): return b[:18] + struct.pack('<ii', w, h - 2**30) + b[26:]
        return b
    if kind == 'garbage': return data.draw(st.binary(max_size=400))
    return b


def check_image(buf: bytes, name: str):
    "Decode under the test limit: a valid image, or the documented refusal; the memory bound either way."
    with traced():
        try: img = decode_image(buf, name, max_pixels=MAX_PIXELS)
        except Exception as e: refused(e, name); return None
    assert img.dtype == np.uint8 and (img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 3)), (img.dtype, img.shape)
    assert 0 < img.shape[0] * img.shape[1] <= MAX_PIXELS and img.flags.c_contiguous
    return img


@given(encoded_images(), st.sampled_from(['none', 'truncate', 'flip', 'dims', 'garbage']), st.data())
def test_decode_image(img, kind, data):
    buf, a, ext, lossless = img
    out = check_image(mutate(buf, kind, data), f'fuzz{ext}')
    if kind == 'none':                                   # an untouched file decodes, and to its pixels when lossless
        assert out is not None
        if lossless: np.testing.assert_array_equal(out, expected_pixels(a))
    if kind == 'truncate' and out is not None:           # a cut file is refused or decodes whole: never partly filled
        np.testing.assert_array_equal(out, decode_image(buf, 'whole'))


# --- depth maps ---------------------------------------------------------------------------------------------------
DEPTH_DTYPES = ['<f4', '>f4', '<f8', '<f2', '<i2', '>i4', '<u1', '<u8', '|b1', '<c8', 'O', '<U3', [('a', '<f4'), ('b', '<i2')],
                ('<f4', (2,))]


@st.composite
def npy_files(draw):
    "(`.npy` bytes, the array) of a random array: dtypes, shapes (0-d to 3-d, empty), byte orders, NaN and inf, objects."
    dt = np.dtype(draw(st.sampled_from(DEPTH_DTYPES)))
    shape = tuple(draw(st.lists(st.integers(0, 30), min_size=0, max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dt.kind == 'O': a = np.array([{'a': i} for i in range(int(np.prod(shape)))], dtype=object).reshape(shape)
    elif dt.kind == 'U': a = np.full(shape, 'abc', dtype=dt)
    else:
        a = np.zeros(shape, dt)
        if dt.kind in 'fiub' and not dt.shape and a.size:
            a = rng.integers(0, 100, shape).astype(dt)
            if dt.kind == 'f' and draw(st.booleans()): a.flat[rng.integers(0, a.size)] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    if draw(st.booleans()) and a.ndim == 2: a = np.asfortranarray(a)
    b = io.BytesIO(); np.save(b, a, allow_pickle=True)
    return b.getvalue(), a


def _no_pickle(*args, **kwargs): raise AssertionError('a depth reader unpickled something')


@given(npy_files(), st.sampled_from(['none', 'truncate', 'flip', 'header', 'garbage']), st.data())
def test_decode_depth(monkeypatch, npy, kind, data):
    buf, a = npy
    if kind == 'header':                                 # a header that declares another shape, the data as it was
        dims = data.draw(st.lists(st.integers(0, 2**20), min_size=0, max_size=3))
        f = io.BytesIO(); np.lib.format.write_array_header_1_0(f, {'descr': '<f4', 'fortran_order': False, 'shape': tuple(dims)})
        buf = f.getvalue() + buf[npy_header(buf)[3]:]
    elif kind != 'none': buf = mutate(buf, kind, data)
    monkeypatch.setattr(pickle, 'loads', _no_pickle); monkeypatch.setattr(pickle, 'load', _no_pickle)
    monkeypatch.setattr(pickle, 'Unpickler', _no_pickle)
    with traced():
        try: d = decode_depth(buf, 'fuzz.npy', max_pixels=MAX_PIXELS)
        except Exception as e: refused(e, 'fuzz.npy'); return
    assert d.dtype == np.float32 and d.ndim == 2 and 0 < d.size <= MAX_PIXELS and np.isfinite(d).all()
    if kind == 'none': np.testing.assert_array_equal(d, a.reshape(d.shape).astype(np.float32))


@given(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.lists(st.floats(allow_nan=True), max_size=4), max_size=4),
                 npy_files().map(lambda t: t[1])),
       st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(0, 30))))
def test_check_depth_map(x, shape):
    try: d = check_depth_map(x, 'depth', shape, max_pixels=MAX_PIXELS)
    except Exception as e: refused(e, 'depth'); return
    assert d.dtype == np.float32 and d.ndim == 2 and d.size and np.isfinite(d).all()
    assert shape is None or d.shape == shape


# --- board archives -----------------------------------------------------------------------------------------------
from weldnb.core import content_hash, read_metadata, validate_metadata
from weldnb.datasets.ingest import group_samples, ingest_board_export, make_board_export, member_name, read_board_export

LIMITS = dict(max_pixels=MAX_PIXELS, max_member_bytes=1 << 20, max_total_bytes=8 << 20, max_members=64)
TYPES = [tarfile.REGTYPE] * 6 + [tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE,
                                 tarfile.FIFOTYPE, tarfile.CONTTYPE]


@pytest.fixture(scope='module')
def board(tmp_path_factory):
    "(members of a good two-sample archive, a data root holding a dataset `keep`, its content hash)."
    t = tmp_path_factory.mktemp('board')
    good = make_board_export(t/'good.tar.gz', 2, size=(48, 64))
    s = ingest_board_export(good, 'keep', root=t/'data')
    return _Quiet((read_board_export(good), t/'data', s['content_hash']))


class _Quiet(tuple):
    "A fixture value whose repr does not fill a failure report with bytes."
    def __repr__(self): return f'<{len(self)} values>'


def spellings(name: str):
    "Other spellings and hostile variants of an archive path."
    return st.sampled_from([name, './' + name, name.replace('/', '//'), name.replace('/', '\\'), '/' + name, '../' + name,
                            name + '/', 'export/../' + name, name.upper(), name.replace('s0', 's\u0307'), 'C:/' + name])


@st.composite
def archives(draw, members: dict):
    "A tar.gz (bytes) of mutated, respelt, retyped and added members of a good archive, and the regular files' names."
    out = []
    for name, b in members.items():
        if draw(st.integers(0, 9)) == 0: continue                        # dropped
        kind = draw(st.sampled_from(['none'] * 6 + ['truncate', 'flip', 'garbage', 'zeros', 'huge']))
        if kind == 'zeros': b = bytes(draw(st.integers(0, 1 << 21)))
        elif kind == 'huge' and name.endswith('.png'):
            b = b[:16] + struct.pack('>II', 30000, 30000) + b[24:]
        elif kind in ('truncate', 'flip', 'garbage'): b = mutate(b, kind, _Draw(draw))
        out.append((draw(spellings(name)) if draw(st.integers(0, 4)) == 0 else name, tarfile.REGTYPE, b))
    for _ in range(draw(st.integers(0, 3))):                             # extra members of any type
        name = draw(st.one_of(spellings(draw(st.sampled_from(sorted(members)))), st.text(min_size=0, max_size=20)))
        out.append((name, draw(st.sampled_from(TYPES)), draw(st.binary(max_size=64))))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz', format=tarfile.PAX_FORMAT) as tf:
        for name, typ, b in out:
            ti = tarfile.TarInfo(name); ti.type = typ
            if typ in (tarfile.SYMTYPE, tarfile.LNKTYPE): ti.linkname = draw(st.sampled_from(['/etc/passwd', '../x', 'export/samples/s0000.png']))
            data = b if typ in (tarfile.REGTYPE, tarfile.CONTTYPE) else b''
            ti.size = len(data)
            try: tf.addfile(ti, io.BytesIO(data))
            except (ValueError, UnicodeError): pass                       # a name tar cannot write
    raw = buf.getvalue()
    if draw(st.integers(0, 9)) == 0: raw = raw[:draw(st.integers(0, len(raw)))]   # the archive itself cut short
    return _Blob(raw), {member_name(n) for n, typ, _ in out if typ in (tarfile.REGTYPE, tarfile.CONTTYPE)}


class _Blob(bytes):
    "Archive bytes whose repr in a failure report is their length."
    def __repr__(self): return f'<{len(self)} bytes>'


def _stem(name: str) -> str:
    "The sample a member name belongs to (as ingest groups them), or the name itself."
    groups, _ = group_samples({name: b''})
    return next(iter(groups), name)


class _Draw:
    "The `data.draw` of `mutate` from a composite's `draw`."
    def __init__(self, draw): self.draw = draw


@given(st.data())
def test_ingest_archive(board, tmp_path, data):
    members, root, keep_hash = board
    raw, names = data.draw(archives(members))
    path = tmp_path/'fuzz.tar.gz'; path.write_bytes(raw)
    with traced(32 << 20):
        try: s = ingest_board_export(path, 'fz', root=root, **LIMITS)
        except Exception as e: refused(e, str(path)); s = None
    try:
        assert sorted(p.name for p in root.iterdir()) == (['fz', 'keep'] if s else ['keep'])   # nothing else, no spool left
        assert content_hash(root/'keep') == keep_hash
        if s is None: return
        df = read_metadata(root/'fz'); validate_metadata(df, root=root/'fz')
        assert len(df) == s['counts']['total'] >= 1
        used = {m for r in df.itertuples() for m in json.loads(r.archive_members)}
        told = {r['member'] for r in s['rejected']}
        told |= {_stem(m) for m in told}
        for n in names - used:                                             # nothing skipped silently: it, or its sample, is named
            assert n in told or _stem(n) in told, (n, told)
    finally: shutil.rmtree(root/'fz', ignore_errors=True)


# --- label files (YOLO) and symbolic links ------------------------------------------------------------------------
from weldnb.datasets.convert import convert_dataset
from weldnb.datasets.public import BadInputError, Problems
from weldnb.datasets.scanners import make_yolo_fixture, scan_image_folder, make_image_folder_fixture

TOKENS = st.sampled_from(['0', '1', '2', '-1', '0.5', '0.25', '1.5', 'nan', 'inf', '-inf', '1e309', '', 'x', '0x1', '١'])
LABEL_LINES = st.lists(st.lists(TOKENS, max_size=9).map(' '.join), max_size=4).map('\n'.join).map(str.encode)
YAML_TEXT = st.one_of(
    st.fixed_dictionaries({'path': st.sampled_from(['.', '..', '/', '/etc', 'sub/..', 1]),
                           'train': st.sampled_from(['images/train', ['images/train', 'images/val'], '../images', 'x.txt', 3, None]),
                           'names': st.one_of(st.lists(st.text(max_size=6), max_size=3), st.dictionaries(st.integers(-1, 3), st.text(max_size=4), max_size=3),
                                              st.text(max_size=5), st.none()),
                           'nc': st.one_of(st.integers(-1, 3), st.text(max_size=3))}).map(lambda d: __import__('yaml').safe_dump(d).encode()),
    st.text(max_size=60).map(str.encode), st.binary(max_size=60))


@given(st.dictionaries(st.sampled_from(['train/img0', 'train/img1', 'val/img0']), LABEL_LINES), st.one_of(st.none(), YAML_TEXT),
       st.booleans())
def test_yolo_labels(labels, yaml_bytes, link_out):
    with tempfile.TemporaryDirectory() as t: _yolo_labels(Path(t), labels, yaml_bytes, link_out)

def _yolo_labels(tmp_path: Path, labels: dict, yaml_bytes, link_out: bool) -> None:
    src, out = tmp_path/'src', tmp_path/'out'
    make_yolo_fixture(src)
    for k, b in labels.items(): (src/'labels'/f'{k}.txt').write_bytes(b)
    if yaml_bytes is not None: (src/'data.yaml').write_bytes(yaml_bytes)
    if link_out:
        (tmp_path/'secret.txt').write_bytes(b'0 0.5 0.5 0.1 0.1\n'); (src/'labels'/'val'/'img1.txt').symlink_to(tmp_path/'secret.txt')
    try: s = convert_dataset(src, 'y', layout='yolo', root=out, verbose=False)
    except Exception as e:
        assert isinstance(e, BadInputError), f'{type(e).__name__}: {e}'
        assert str(e).startswith(str(src)), str(e)                         # names a file of the source folder
        assert not out.exists() or sorted(out.iterdir()) == [], sorted(out.iterdir())   # nothing written
        return
    df = read_metadata(out/'y'); validate_metadata(df, root=out/'y')
    assert len(df) == s['counts']['total'] >= 1
    if link_out and yaml_bytes is None: assert any(d['file'].endswith('img1.txt') for d in s['skipped'])


@given(st.lists(st.tuples(st.sampled_from(['crack', 'good', 'porosity', 'train', '.']), st.sampled_from(['crack', 'good', 'porosity', 'outside'])),
                max_size=3), st.sampled_from(['raise', 'skip']))
def test_image_folder_links(links, on_error):
    with tempfile.TemporaryDirectory() as t: _image_folder_links(Path(t), links, on_error)

def _image_folder_links(tmp_path: Path, links: list, on_error: str) -> None:
    src, out = tmp_path/'src', tmp_path/'out'
    make_image_folder_fixture(src)
    make_image_folder_fixture(tmp_path/'elsewhere')
    for i, (where, to) in enumerate(links):                               # class-folder links and image links
        target = tmp_path/'elsewhere'/'crack' if to == 'outside' else src/to
        link = src/where/f'link{i}' if where != '.' else src/f'link{i}'
        if not link.parent.is_dir() or link.exists() or link.is_symlink(): continue
        link.symlink_to(target if i % 2 == 0 else next(target.iterdir()))
    s = convert_dataset(src, 'f', layout='image_folder', root=out, verbose=False, on_error=on_error)
    df = read_metadata(out/'f')
    files = [(src/f).resolve() for f in df.orig_file]
    assert len(set(files)) == len(files)                                   # no source image used twice
    assert all(f.is_relative_to(src.resolve()) for f in files)            # none from outside the source folder
    assert len(df) == 7 and s['classes'] == ['crack', 'porosity']


# --- the board's inference ----------------------------------------------------------------------------------------
def _tiny_model(d: Path) -> Path:
    "A 3-class ONNX model on 16x16 RGB (average pool -> linear) and its manifest, built without torch."
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from weldnb.infer.io import sha256_file
    from weldnb.infer.manifest import SCHEMA_VERSION, absent, manifest_digest
    from weldnb.infer.spec import InputSpec
    w = numpy_helper.from_array(np.array([[1, -1, 0], [0, 1, -1], [-1, 0, 1]], np.float32), 'w')
    b = numpy_helper.from_array(np.array([0.1, 0, -0.1], np.float32), 'b')
    g = helper.make_graph([helper.make_node('GlobalAveragePool', ['input'], ['p']), helper.make_node('Flatten', ['p'], ['f']),
                           helper.make_node('Gemm', ['f', 'w', 'b'], ['logits'])], 'tiny',
                          [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 3, 16, 16])],
                          [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', 3])], [w, b])
    d.mkdir(parents=True); onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], ir_version=8), d/'model.onnx')
    m = dict(schema_version=SCHEMA_VERSION, name='tiny', models={'fp32': 'model.onnx'}, classes=['OK', 'KO', 'Unknown'],
             input=InputSpec((16, 16), (0.5,)*3, (0.25,)*3).to_dict(), input_name='input', outputs={'logits': 'logits'},
             temperature=absent('fuzz'), conformal=absent('fuzz'), ood=absent('fuzz'), drift=absent('fuzz'),
             files={'model.onnx': {'sha256': sha256_file(d/'model.onnx'), 'bytes': (d/'model.onnx').stat().st_size}})
    m['digest'] = manifest_digest(m)
    (d/'manifest.json').write_text(json.dumps(m))
    return d


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from weldnb.infer.inspector import WeldInspector
    d = _tiny_model(tmp_path_factory.mktemp('model')/'tiny')
    return d, WeldInspector.load(d, monitor=False)


@given(st.data())
def test_predict_batch(tiny, tmp_path, data):
    from weldnb.infer.cli import main
    from weldnb.infer.inspector import InputFailure, Prediction
    mdir, insp = tiny
    items = []
    for k, kind in enumerate(data.draw(st.lists(st.sampled_from(['file', 'file', 'array', 'missing']), max_size=5))):
        if kind == 'file':
            buf, a, ext, _ = data.draw(encoded_images())
            p = tmp_path/f'in{k}{ext}'; p.write_bytes(mutate(buf, data.draw(st.sampled_from(['none', 'none', 'truncate', 'flip', 'dims', 'garbage'])), data))
            items.append(p)
        elif kind == 'array':
            dt = np.dtype(data.draw(st.sampled_from(['|u1', '|u1', '<u2', '<f4', '|b1', 'O'])))
            shape = tuple(data.draw(st.lists(st.integers(0, 20), min_size=0, max_size=4)))
            if data.draw(st.booleans()): shape = shape[:2] + (3,)
            items.append(np.zeros(shape, dt) if dt.kind != 'O' else np.full(shape, None, object))
        else: items.append(tmp_path/f'missing{k}.png')
    out = insp.predict(items, max_pixels=MAX_PIXELS)
    assert isinstance(out, list) and len(out) == len(items)
    for i, (it, r) in enumerate(zip(items, out)):
        name = str(it) if isinstance(it, Path) else f'<array {i}>'
        assert r.image == name
        if isinstance(r, InputFailure): assert r.error.startswith(f'{name}: '), r.error; continue
        assert isinstance(r, Prediction) and r.label in ('OK', 'KO', 'Unknown')
        assert abs(sum(r.probs.values()) - 1) < 1e-4
        alone = insp.predict([it], max_pixels=MAX_PIXELS)[0]                # the same numbers as alone
        assert max(abs(alone.probs[c] - v) for c, v in r.probs.items()) < 1e-5
    files = [it for it in items if isinstance(it, Path)]
    if files:                                                               # the command: a line per input, exit 1 iff one failed
        so, se = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se): rc = main([str(mdir), *map(str, files), '--json'])
        lines = [json.loads(l) for l in so.getvalue().splitlines()]
        assert sorted(l['image'] for l in lines) == sorted(map(str, files))
        failed = any('error' in l for l in lines)
        assert rc == (1 if failed else 0), (rc, se.getvalue())
        assert 'Traceback' not in se.getvalue()
