"""`nbdev-export` and `nbdev-clean` must leave no diff: the package is what the notebooks export,
and the notebooks are committed clean. Compares the content of weldnb/ and nbs/ before and after."""
import hashlib, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def snapshot() -> dict:
    files = [p for d in ('weldnb', 'nbs') for p in (ROOT/d).rglob('*')
             if p.is_file() and '__pycache__' not in p.parts and '.ipynb_checkpoints' not in p.parts]
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def main() -> int:
    before = snapshot()
    for cmd in ('nbdev-export', 'nbdev-clean'):
        r = subprocess.run([str(BIN/cmd)], cwd=ROOT, capture_output=True, text=True)
        if r.returncode:
            print(f'ERROR: {cmd} failed:\n{r.stderr.strip()}', file=sys.stderr); return 1
    after = snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        print('ERROR: nbdev-export / nbdev-clean changed ' + ', '.join(changed) +
              ': run them, review and commit the result.', file=sys.stderr)
        return 1
    print(f'nbdev sync: ok ({len(after)} files in weldnb/ and nbs/ unchanged)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
