#!/usr/bin/env node
// The tfjs2onnx executable (see cli.ts; `tfjs2onnx --help`).
import { main } from './cli.js';

main();
