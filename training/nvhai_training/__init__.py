"""nvhai_training: offline datasets, models, training, evaluation and ONNX export (PyTorch)."""
