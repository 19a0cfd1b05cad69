"""The documentation site builds offline and reads well in a real browser.

Builds the site from the smoke run's executed notebooks (`make test` runs them first), serves it on
127.0.0.1, loads the landing page and a notebook page in headless Chromium, checks every internal
link of every page, and that the pages show what an nbdev site shows (no `#| hide` cells, no directive
lines, no injected parameters) plus the design contracts.
"""
import functools, html, http.server, json, re, shutil, subprocess, tempfile, threading, urllib.error, urllib.parse, urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from weldnb import docs

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT/'runs'/'smoke'

pytestmark = pytest.mark.docs
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')


@pytest.fixture(scope='module')
def site():
    try: path = docs.build('runs/smoke', quiet=True, root=ROOT)
    except docs.DocsError as e: pytest.fail(str(e), pytrace=False)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(path))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    srv.handle_error = lambda *a: None   # Chromium drops connections it no longer needs
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield path, f'http://127.0.0.1:{srv.server_address[1]}/'
    srv.shutdown()


def dump_dom(url: str) -> str:
    "The DOM after Chromium has loaded and scripted the page."
    if CHROMIUM is None: pytest.fail('chromium is not installed: `apt-get install -y chromium` (.ci/run does this)', pytrace=False)
    with tempfile.TemporaryDirectory() as prof:
        r = subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                            '--disable-background-networking', '--disable-component-update', '--disable-sync',
                            f'--user-data-dir={prof}', '--virtual-time-budget=5000', '--dump-dom', url],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.links, self.imgs, self.h1 = [], 0, []
        self._in_h1 = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'a' and a.get('href'): self.links.append(a['href'])
        if tag in ('link', 'script', 'img') and (a.get('href') or a.get('src')): self.links.append(a.get('href') or a.get('src'))
        if tag == 'img' and (a.get('src') or '').strip(): self.imgs += 1
        if tag == 'h1': self._in_h1 = True; self.h1.append('')
    def handle_endtag(self, tag):
        if tag == 'h1': self._in_h1 = False
    def handle_data(self, d):
        if self._in_h1: self.h1[-1] += d


def parse(html: str) -> _Links:
    p = _Links(); p.feed(html); return p


def _notebook_with_figure(site_dir: Path) -> str:
    "The first numbered notebook page whose executed copy has an image output."
    for nb in sorted(docs._mkdocs_dirs(ROOT)[0].glob('[0-9][0-9]*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        if any('image/png' in o.get('data', {}) for c in cells if c['cell_type'] == 'code' for o in c.get('outputs', [])):
            return nb.stem
    pytest.fail('no executed notebook shows a figure', pytrace=False)


def test_landing_page(site):
    _, base = site
    dom = parse(dump_dom(base))
    assert any('weldnb' in h for h in dom.h1), dom.h1
    assert dom.imgs >= 1, 'the landing page shows no figure'


def test_notebook_page(site):
    path, base = site
    stem = _notebook_with_figure(path)
    dom = parse(dump_dom(base + stem + '/'))
    title = json.loads((docs._mkdocs_dirs(ROOT)[0]/f'{stem}.ipynb').read_text())['cells'][0]['source'][0].lstrip('# ').strip()
    assert any(title in h for h in dom.h1), (title, dom.h1)
    assert dom.imgs >= 1, f'{stem}: no figure rendered'


def test_api_page(site):
    _, base = site
    html = urllib.request.urlopen(base + 'api/weldnb.core/').read().decode()
    assert 'content_hash' in html and 'DatasetWriter' in html


def test_no_broken_internal_links(site):
    path, base = site
    pages = sorted(path.rglob('*.html'))
    assert len(pages) >= 3
    checked, broken = set(), []
    for page in pages:
        url = base + page.relative_to(path).as_posix()
        for href in parse(page.read_text(errors='ignore')).links:
            if re.match(r'^(https?:|mailto:|data:|javascript:|#)', href) and not href.startswith(base): continue
            target = urllib.parse.urldefrag(urllib.parse.urljoin(url, href))[0]
            if target in checked: continue
            checked.add(target)
            try: urllib.request.urlopen(target).close()
            except urllib.error.HTTPError as e: broken.append(f'{page.relative_to(path)} -> {href} ({e.code})')
    assert not broken, 'broken internal links:\n' + '\n'.join(broken[:20])
    assert len(checked) > 5


class _Text(HTMLParser):
    "The text a reader sees: everything outside <script> and <style>."
    def __init__(self):
        super().__init__(); self.parts, self._skip = [], 0
    def handle_starttag(self, tag, attrs): self._skip += tag in ('script', 'style')
    def handle_endtag(self, tag): self._skip -= tag in ('script', 'style') and self._skip > 0
    def handle_data(self, d):
        if not self._skip: self.parts.append(d)


def page_text(page: Path) -> str:
    p = _Text(); p.feed(page.read_text(errors='ignore')); return html.unescape(''.join(p.parts))


def test_pages_show_what_an_nbdev_site_shows(site):
    path, _ = site
    core = json.loads((SMOKE/'00_core.ipynb').read_text())['cells']   # what the executed copy has, to be hidden
    assert any('injected-parameters' in c['metadata'].get('tags', []) for c in core)
    assert any(''.join(c['source']).startswith('#| hide') for c in core)
    stems = [p.stem for p in sorted(SMOKE.glob('[0-9][0-9]*.ipynb'))]
    assert len(stems) >= 10
    for stem in stems:
        text = page_text(path/stem/'index.html')
        shown = [l.strip() for l in text.splitlines() if l.strip().startswith('#|')]
        assert not shown, f'{stem}: directive lines on the page: {shown[:3]}'
        assert 'scale = "smoke"' not in text, f'{stem}: papermill\'s injected parameters shown'
        fed = json.loads((docs._mkdocs_dirs(ROOT)[0]/f'{stem}.ipynb').read_text())['cells']
        assert not any('injected-parameters' in c['metadata'].get('tags', []) for c in fed), stem
    text = page_text(path/'00_core'/'index.html')
    assert 'from fastcore.test import' not in text, 'a #| hide cell is shown'
    assert 'def write_metrics(' in text and 'scale = "demo"' in text      # exported code and the parameters cell stay
    assert 'from matplotlib.patches import' not in page_text(path/'index.html')   # the landing page's hidden imports


def test_design_page(site):
    path, base = site
    text = page_text(path/'design'/'index.html')
    for n in range(1, 9): assert f'§{n}' in text, f'the design page has no section §{n}'
    assert 'design/' in ''.join(parse((path/'index.html').read_text()).links), 'the landing page does not link the design contracts'
