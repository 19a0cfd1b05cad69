"""Notebook-first visual weld inspection on the edge: synthetic data, calibrated and explained models, torch-free ONNX inference for the RDK X5.

Modules:

- `weldnb.export`: From a trained state_dict to the folder the board needs: three ONNX models, their parity with PyTorch, the vendor PTQ inputs, and a manifest that carries everything inference needs.
- `weldnb.infer`: The slice of weldnb that runs on the RDK X5 board: load an exported model folder, check it, preprocess exactly as the manifest says, and return a calibrated, set-valued, OOD-aware prediction per image."""

__version__ = "0.1.0"
