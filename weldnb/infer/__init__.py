"""The board slice: what runs on the RDK X5. Its modules import only numpy, OpenCV, onnxruntime and each other.

`io` (notebook 05) reads images and depth maps, `spec` (10a) is the input recipe, `manifest` (51) checks a model
folder, `scoring` (51a) turns logits into answers and watches for drift, `inspector` (51b) is `WeldInspector`, `evaluator` (52) the `WeldEvaluator`, `cli`
(51c) the `weldnb-infer` command. The names below load their module on first use, so `import weldnb.infer` costs
nothing until something is used."""

_WHERE = dict(InputError='io', read_image='io', read_depth='io', InputSpec='spec', ModelError='manifest',
              read_manifest='manifest', verify_files='manifest', softmax='scoring', image_stats='scoring',
              WeldInspector='inspector', Prediction='inspector', main='cli', WeldEvaluator='evaluator')
__all__ = list(_WHERE)

def __getattr__(name):
    if name not in _WHERE: raise AttributeError(f'module weldnb.infer has no attribute {name!r}')
    import importlib
    return getattr(importlib.import_module(f'{__name__}.{_WHERE[name]}'), name)
