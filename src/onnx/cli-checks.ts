// The tfjs2onnx CLI's argument rules, as a function yargs' check() calls and tests call without a process.

export function checkTfjs2onnxArgs(a: { batch: string; meta: string[] }): true {
  if (a.batch !== 'dynamic' && !/^[1-9]\d*$/.test(a.batch))
    throw new Error(`--batch must be "dynamic" or a positive integer, got "${a.batch}"`);
  for (const m of a.meta) if (!/^[^=]+=/.test(m)) throw new Error(`--meta takes key=value, got "${m}"`);
  return true;
}
