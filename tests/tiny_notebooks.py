"""Tiny notebooks and checkouts for the tests of the runner: seconds per notebook, nothing heavy imported."""
from __future__ import annotations
import json
from pathlib import Path


def nb(cells: list) -> dict:
    "A notebook (nbformat 4 JSON) of `cells` on the python3 kernel."
    return {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
            'nbformat': 4, 'nbformat_minor': 5}


def code(src: str, tags=()) -> dict:
    "A code cell."
    return {'cell_type': 'code', 'execution_count': None, 'id': f'c{abs(hash(src)) % 10**8}',
            'metadata': {'tags': list(tags)} if tags else {}, 'outputs': [], 'source': src}


def figures_notebook(stem: str, n: int) -> dict:
    "A notebook with parameters (scale, n, sizes) that writes its figure `n_<n>` in one call and `second_call` in another."
    return nb([code(f'scale = "demo"\nn = {n}  # images\nsizes: list = [224]', ['parameters']),
               code(f'from weldnb.core import write_metrics\nprint(scale, n)\n'
                    f'write_metrics("{stem}", {{f"n_{{n}}": n}}, scale)\nwrite_metrics("{stem}", {{"second_call": 1}}, scale)')])


def tiny_checkout(root: Path, smoke: str = '01_first: {n: 1}\n02_second: {}\n') -> Path:
    "A weldnb checkout (pyproject, nbs/01_first, nbs/02_second, params/ of every scale) at `root`."
    (root/'nbs').mkdir(parents=True); (root/'params').mkdir()
    (root/'pyproject.toml').write_text('[project]\nname = "weldnb"\n')
    for stem, n in (('01_first', 3), ('02_second', 5)):
        (root/'nbs'/f'{stem}.ipynb').write_text(json.dumps(figures_notebook(stem, n)))
    (root/'params'/'smoke.yaml').write_text(smoke)
    (root/'params'/'demo.yaml').write_text('{}\n')
    (root/'params'/'full.yaml').write_text('02_second: {n: 50}\n')
    return root
