"""Notebook-first visual weld inspection on the edge: synthetic data, calibrated and explained models, torch-free ONNX inference for the RDK X5.

Modules:

- `weldnb.export`: From a trained state_dict to the folder the board needs: three ONNX models, their parity with PyTorch, the vendor PTQ inputs, and a manifest that carries everything inference needs."""

__version__ = "0.2.0"
