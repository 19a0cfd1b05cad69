"""Build the documentation site offline, and generate README.md from nbs/index.ipynb.

    python tests/docs_site.py build [--from runs/demo]   # make docs
    python tests/docs_site.py readme                     # make readme
    python tests/docs_site.py check-readme               # exit 1 if README.md is stale

The site is MkDocs (Material) over `_docs_src/`: the executed notebooks of a pipeline or smoke run
(rendered with their outputs by mkdocs-jupyter), the landing page executed from nbs/index.ipynb, and one
API page per module of `weldnb` (mkdocstrings). README.md is the markdown of index.ipynb up to its first
code cell, with notebook links pointing into nbs/.
"""
from __future__ import annotations
import argparse, json, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT/'_docs_src'
SITE = ROOT/'site'
_NUMBERED = re.compile(r'^\d{2}[a-z]?_.+\.ipynb$')


class DocsError(Exception): pass


def executed_dir(frm: str | None = None) -> Path:
    "The folder of executed notebooks: `frm`, else runs/demo if it has any, else runs/smoke."
    cands = [ROOT/frm] if frm else [ROOT/'runs'/'demo', ROOT/'runs'/'smoke']
    for d in cands:
        if d.is_dir() and any(_NUMBERED.match(p.name) for p in d.glob('*.ipynb')): return d
    raise DocsError(f'no executed notebooks in {", ".join(str(c.relative_to(ROOT)) for c in cands)}: '
                    f'run `make pipeline` (or `make test`) first')


def modules() -> list[str]:
    "Dotted names of the generated modules of weldnb."
    out = []
    for p in sorted((ROOT/'weldnb').rglob('*.py')):
        if p.name.startswith('_'): continue
        out.append('.'.join(p.relative_to(ROOT).with_suffix('').parts))
    return out


def _execute_index(dst: Path) -> None:
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(ROOT/'nbs'/'index.ipynb', as_version=4)
    NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(ROOT/'nbs')}}).execute()
    nbformat.write(nb, dst)


def _reports_of(src_nbs: Path) -> Path:
    "The reports folder written by the run whose executed notebooks are in `src_nbs`."
    return ROOT/'reports' if src_nbs.name == 'demo' else src_nbs/'reports'


def _inline_report_images(names: list, src_nbs: Path) -> None:
    "Markdown outputs that show a report (`![...](explain/x.png)`, relative to reports/) get the images inlined."
    import base64
    reports = _reports_of(src_nbs)
    def inline(m):
        f = reports/m[2]
        if not f.is_file(): return m[0]
        return f'![{m[1]}](data:image/png;base64,{base64.b64encode(f.read_bytes()).decode()})'
    for name in names:
        nb = json.loads((SRC/name).read_text()); changed = False
        for c in nb['cells']:
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md is None: continue
                text = ''.join(md) if isinstance(md, list) else md
                new = re.sub(r'!\[([^\]]*)\]\((?!data:|https?:|/)([^)\s]+\.png)\)', inline, text)
                if new != text: o['data']['text/markdown'] = new; changed = True
        if changed: (SRC/name).write_text(json.dumps(nb, indent=1))


def build(frm: str | None = None, quiet: bool = False) -> Path:
    "Fill _docs_src/ and run mkdocs build; returns the site folder."
    src_nbs = executed_dir(frm)
    if SRC.exists(): shutil.rmtree(SRC)
    (SRC/'api').mkdir(parents=True)
    _execute_index(SRC/'index.ipynb')
    copied = []
    for p in sorted(src_nbs.glob('*.ipynb')):
        if _NUMBERED.match(p.name): shutil.copy2(p, SRC/p.name); copied.append(p.name)
    # a link to a notebook that did not run would be a broken link: say so now, not in the browser
    # notebook links become page links (`00_core.ipynb` -> `00_core/`); a link to a notebook that did not
    # run would be a broken link: say so now, not in the browser
    for name in copied + ['index.ipynb']:
        nb = json.loads((SRC/name).read_text())
        up = '' if name == 'index.ipynb' else '../'
        for c in nb['cells']:
            if c['cell_type'] != 'markdown': continue
            src = ''.join(c['source'])
            for target in re.findall(r'\]\(([^)#\s]+\.ipynb)', src):
                if not (SRC/target).exists():
                    raise DocsError(f'{name} links to {target}, which is not among the executed notebooks in {src_nbs}')
            c['source'] = re.sub(r'\]\(([^)#\s/]+)\.ipynb', lambda m: f']({up}{m[1]}/', src)
        (SRC/name).write_text(json.dumps(nb, indent=1))
    _inline_report_images(copied, src_nbs)
    for m in modules():
        (SRC/'api'/f'{m}.md').write_text(f'# `{m}`\n\n::: {m}\n')
    cmd = [str(Path(sys.executable).parent/'mkdocs'), 'build', '-f', str(ROOT/'mkdocs.yml'), '--clean']
    if quiet: cmd.append('-q')
    r = subprocess.run(cmd, cwd=ROOT, capture_output=quiet, text=True)
    if r.returncode:
        raise DocsError(f'mkdocs build failed (exit {r.returncode}){": " + r.stderr.strip()[-2000:] if quiet else ""}')
    print(f'site built from {src_nbs.relative_to(ROOT)} ({len(copied)} notebooks, {len(modules())} API pages): '
          f'{SITE.relative_to(ROOT)}/  (serve with: python -m http.server -d site)')
    return SITE


def readme_text() -> str:
    "README.md from the markdown cells of nbs/index.ipynb before its first code cell."
    nb = json.loads((ROOT/'nbs'/'index.ipynb').read_text())
    parts = []
    for c in nb['cells']:
        if c['cell_type'] == 'code': break
        if c['cell_type'] == 'markdown': parts.append(''.join(c['source']).strip())
    text = '\n\n'.join(parts) + '\n'
    text = re.sub(r'\]\((\d{2}[a-z]?_[^)]+\.ipynb)\)', r'](nbs/\1)', text)
    return '<!-- generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file -->\n' + text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('what', choices=['build', 'readme', 'check-readme'])
    ap.add_argument('--from', dest='frm', default=None, help='folder of executed notebooks (default runs/demo, else runs/smoke)')
    a = ap.parse_args(argv)
    try:
        if a.what == 'build': build(a.frm)
        elif a.what == 'readme':
            (ROOT/'README.md').write_text(readme_text()); print('README.md written from nbs/index.ipynb')
        else:
            if (ROOT/'README.md').read_text() != readme_text():
                print('ERROR: README.md is stale: run `make readme` and commit it.', file=sys.stderr); return 1
            print('README.md matches nbs/index.ipynb')
    except DocsError as e:
        print(f'ERROR: {e}', file=sys.stderr); return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
