"""Throwaway virtual environments for the tests that check what the board installs."""
import shutil, subprocess, sys, tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def fresh_venv(prefix: str, *installs: list):
    """A venv made from the base interpreter (nothing of the dev venv leaks in), with one `pip install` per item
    of `installs`; removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        py = getattr(sys, '_base_executable', sys.executable)
        subprocess.run([py, '-m', 'venv', str(tmp/'venv')], check=True)
        for args in installs:
            r = subprocess.run([str(tmp/'venv'/'bin'/'pip'), 'install', '-q', *args], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr[-3000:]
        yield tmp/'venv'
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
