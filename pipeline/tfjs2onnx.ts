#!/usr/bin/env node
// tfjs2onnx: converts a tfjs LayersModel (model.json + weight shards) into an ONNX model.
// The command is the tfjs2onnx package's own (packages/tfjs2onnx), reached through its public entry.
import { main } from 'tfjs2onnx/cli';

main();
