#!/usr/bin/env python3
"""Check ONNX files with the official checker (full_check runs shape inference too)."""
import sys

import onnx

for path in sys.argv[1:]:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    print(f"{path}: ok (ir_version {model.ir_version}, opset {model.opset_import[0].version}, onnx {onnx.__version__})")
