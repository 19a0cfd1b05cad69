"""The training function of nbs/20_train.ipynb under Accelerate: 2 CPU processes, both ranks end with the same weights.

`python -m torch.distributed.run --nproc_per_node 2` starts two ranks; fastai's `distrib_ctx` hands the
model to Accelerate, which sees WORLD_SIZE=2 on CPU and uses the gloo backend. (`accelerate launch --cpu
--num_processes 2` is not used: with `--cpu`, accelerate 1.x starts a single process unless an MPI
hostfile is given.) Each rank runs
`weldnb.train.learner.train_weld_model(..., TrainConfig(distributed=True))` on a tiny fixture dataset (the smoke
scale of the weld data, built by `weldnb.train.data.make_fixture_dataset`) and writes its final state_dict.
The test checks that there were two gloo ranks, that each did only its share of the batches, and that
both ranks hold identical parameters and (recomputed) BatchNorm statistics.
"""
import json, os, shutil, socket, subprocess, sys, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RANK_SCRIPT = r'''
import json, os, sys, torch
from pathlib import Path
from weldnb.train.learner import TrainConfig, train_weld_model
data, out = Path(sys.argv[1]), Path(sys.argv[2])
cfg = TrainConfig(arch='edgenet', in_channels=3, size=32, epochs=1, bs=8, lr_max=2e-3, threads=1,
                  distributed=True, progress=False, bn_batches=None, seed=0)
res = train_weld_model(data, cfg)
rank = int(os.environ.get('RANK', '0'))
torch.save(res.model.state_dict(), out/f'rank{rank}.pth')
json.dump(dict(rank=rank, world=int(os.environ.get('WORLD_SIZE', '1')), n_iter=len(res.learn.recorder.losses),
               n_batches=len(res.learn.dls.train), backend=str(torch.distributed.get_backend()) if torch.distributed.is_initialized() else '',
               fit_s=res.times['fit_s']), open(out/f'rank{rank}.json', 'w'))
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def test_two_cpu_ranks_agree(tmp_path):
    import torch
    from weldnb.train.data import make_fixture_dataset
    data = make_fixture_dataset(tmp_path/'data', 'standard', n=48, size=32, seed=0)
    (tmp_path/'rank.py').write_text(RANK_SCRIPT)
    out = tmp_path/'out'; out.mkdir()
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'WELDNB_NO_PROGRESS': '1', 'PYTHONWARNINGS': 'ignore',
           'WELDNB_HOME': str(tmp_path)}
    pytest.importorskip('accelerate')
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--nnodes', '1',
           '--master_addr', '127.0.0.1', '--master_port', str(_free_port()), str(tmp_path/'rank.py'), str(data), str(out)]
    t0 = time.time()
    p = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    dt = time.time() - t0
    assert p.returncode == 0, f'torch.distributed.run failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}'
    info = [json.loads((out/f'rank{r}.json').read_text()) for r in (0, 1)]
    assert [i['world'] for i in info] == [2, 2] and [i['rank'] for i in info] == [0, 1]
    assert all(i['backend'] == 'gloo' for i in info), info
    # each rank ran its share of the batches: ceil(n / 2)
    assert all(i['n_iter'] == -(-i['n_batches'] // 2) for i in info), info
    sd0, sd1 = (torch.load(out/f'rank{r}.pth', weights_only=True) for r in (0, 1))
    assert sd0.keys() == sd1.keys()
    diff = {k: float((sd0[k].double() - sd1[k].double()).abs().max()) for k in sd0 if sd0[k].is_floating_point()}
    assert max(diff.values()) <= 1e-6, sorted(diff.items(), key=lambda kv: -kv[1])[:5]
    print(f'2 ranks, {info[0]["n_iter"]} iterations each, max |w0 - w1| = {max(diff.values()):.2e}, launch-to-end {dt:.0f} s')
