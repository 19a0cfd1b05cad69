"""Run the numbered notebooks of `nbs/` with papermill, in order, at a given scale.

    python tests/runner.py --scale demo            # the README's pipeline (make pipeline)
    python tests/runner.py --scale smoke 00_core   # one notebook at smoke scale

Executed copies go to `runs/<scale>/` (gitignored), never over `nbs/`. At smoke scale the notebooks
write their data, reports and models under `runs/smoke/` (WELDNB_HOME), so a test run never touches
the demo results in `data/`, `reports/` and `models/`. Smoke parameters live in
`tests/smoke_params.yaml`, one entry per notebook. A failing notebook ends the run with one line that
names the notebook and the cell.
"""
from __future__ import annotations
import argparse, json, os, re, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
RUNS = ROOT/'runs'
SMOKE_PARAMS = ROOT/'tests'/'smoke_params.yaml'
_NUMBERED = re.compile(r'^(\d{2})([a-z]?)_.+\.ipynb$')


class NotebookError(Exception):
    "A notebook that cannot run or failed; the message is one line that says what to do."


def numbered_notebooks() -> list[Path]:
    "The numbered notebooks in pipeline order (00, 10, 10a, 11, ...)."
    nbs = [p for p in NBS.glob('*.ipynb') if _NUMBERED.match(p.name)]
    return sorted(nbs, key=lambda p: (int(_NUMBERED.match(p.name)[1]), _NUMBERED.match(p.name)[2], p.name))


def smoke_params() -> dict:
    import yaml
    d = yaml.safe_load(SMOKE_PARAMS.read_text()) or {}
    return {k: (v or {}) for k, v in d.items()}


def parameters_cells(nb_path: Path) -> int:
    nb = json.loads(nb_path.read_text())
    return sum('parameters' in c.get('metadata', {}).get('tags', []) for c in nb['cells'])


def scale_env(scale: str) -> dict:
    "Environment for a run: smoke (and any non-demo scale) writes under runs/<scale>/."
    env = dict(os.environ)
    if scale != 'demo':
        env['WELDNB_HOME'] = str(RUNS/scale)
    env.setdefault('PYTHONWARNINGS', 'ignore::DeprecationWarning')
    return env


def _rel(p: Path) -> Path:
    return p.relative_to(ROOT) if p.is_relative_to(ROOT) else p


def run_notebook(stem: str | Path, scale: str = 'smoke', params: dict | None = None, out_dir: Path | None = None) -> Path:
    "Execute `nbs/<stem>.ipynb` (or the notebook at a given path) at `scale`; return the executed copy or raise NotebookError."
    import papermill as pm
    src = Path(stem) if isinstance(stem, Path) else NBS/f'{stem}.ipynb'
    stem = src.stem
    if not src.is_file(): raise NotebookError(f'{src}: no such notebook')
    n = parameters_cells(src)
    if n != 1:
        raise NotebookError(f'{_rel(src)}: has {n} cells tagged "parameters"; tag exactly one cell '
                            f'(its defaults are the demo scale) and run again')
    if params is None:
        if scale == 'smoke':
            sp = smoke_params()
            if stem not in sp:
                raise NotebookError(f'{_rel(src)}: no smoke parameters; add an entry "{stem}:" '
                                    f'to tests/smoke_params.yaml')
            params = sp[stem]
        else: params = {}
    params = {'scale': scale, **params}
    out_dir = Path(out_dir or RUNS/scale); out_dir.mkdir(parents=True, exist_ok=True)
    dst = out_dir/src.name
    env = scale_env(scale)
    old = dict(os.environ)
    os.environ.clear(); os.environ.update(env)      # the kernel inherits this process's environment
    try:
        pm.execute_notebook(str(src), str(dst), parameters=params, cwd=str(NBS), kernel_name='python3',
                            progress_bar=False, log_output=False, report_mode=False)
    except pm.PapermillExecutionError as e:
        msg = str(e.evalue).strip().splitlines()
        raise NotebookError(f'{_rel(src)} failed in cell {e.exec_count or e.cell_index} '
                            f'({e.ename}: {msg[0] if msg else ""}); see the executed copy {_rel(dst)}') from None
    finally:
        os.environ.clear(); os.environ.update(old)
    return dst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--scale', default='demo', choices=['smoke', 'demo', 'full'])
    ap.add_argument('notebooks', nargs='*', help='notebook stems (default: all numbered notebooks, in order)')
    a = ap.parse_args(argv)
    stems = a.notebooks or [p.stem for p in numbered_notebooks()]
    params_full = {}
    if a.scale == 'full':
        full = ROOT/'tests'/'full_params.yaml'
        if full.is_file():
            import yaml; params_full = yaml.safe_load(full.read_text()) or {}
    t_all = time.time()
    for i, stem in enumerate(stems, 1):
        t0 = time.time()
        print(f'[{i}/{len(stems)}] {stem} ({a.scale}) ...', flush=True)
        try:
            run_notebook(stem, a.scale, params_full.get(stem) if a.scale == 'full' else None)
        except NotebookError as e:
            print(f'ERROR: {e}', file=sys.stderr); return 1
        print(f'[{i}/{len(stems)}] {stem} done in {time.time() - t0:.0f} s', flush=True)
    home = ROOT if a.scale == 'demo' else RUNS/a.scale
    print(f'\nAll {len(stems)} notebooks ran at {a.scale} scale in {(time.time() - t_all)/60:.1f} min.\n'
          f'  executed notebooks: {RUNS/a.scale}\n  datasets:           {home/"data"}\n'
          f'  reports:            {home/"reports"}  (headline figures in reports/metrics/)\n'
          f'  models:             {home/"models"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
