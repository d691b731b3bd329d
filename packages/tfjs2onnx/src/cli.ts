// The tfjs2onnx command: argument rules and the run, callable without a process (`runTfjs2onnx(args)`).
// Errors are one line naming the flag or file; nothing is written unless the conversion succeeds.
import { parseArgs } from 'node:util';
import { convertFile } from './convert-file.js';
import { DEFAULT_OPSET, OPSET_RANGE, formatSummary, type ConvertOptions } from './convert.js';

export const USAGE = `Usage: tfjs2onnx <model.json> -o <model.onnx> [options]

Converts a tfjs LayersModel (model.json + weight shards) into ONNX. Image models keep the tfjs interface:
channels-last (NHWC) float32 input and output; transposes for ONNX's NCHW convolutions sit inside the graph.

Options:
  -o, --output <file>       the .onnx file to write (required)
      --opset <n>           ONNX opset, ${OPSET_RANGE[0]}..${OPSET_RANGE[1]} (default ${DEFAULT_OPSET})
      --batch <n|dynamic>   a fixed batch size, or "dynamic" (default)
      --name <name>         graph name (default: the tfjs model name)
      --input-name <names>  graph input name(s), comma-separated (default: the input layer names)
      --output-name <names> graph output name(s), comma-separated (default: the output layer names)
      --meta <key=value>    extra metadata_props; repeatable
  -h, --help                this text

Examples:
  tfjs2onnx model/model.json -o model.onnx
  tfjs2onnx model.json -o model.onnx --opset 17 --batch 1`;

export interface Tfjs2onnxArgs {
  model: string;
  output: string;
  options: Omit<ConvertOptions, 'source'>;
}

/** Parses and checks the command line; throws one-line errors naming the flag. `null` means --help. */
export function parseTfjs2onnxArgs(args: string[]): Tfjs2onnxArgs | null {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        opset: { type: 'string' },
        batch: { type: 'string' },
        name: { type: 'string' },
        'input-name': { type: 'string' },
        'output-name': { type: 'string' },
        meta: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new Error(`${(err as Error).message.split('\n')[0]} (see \`tfjs2onnx --help\`)`);
  }
  const v = parsed.values;
  if (v.help) return null;
  if (parsed.positionals.length !== 1)
    throw new Error(`expected one model.json, got ${parsed.positionals.length} (see \`tfjs2onnx --help\`)`);
  if (!v.output) throw new Error('--output (-o) is required: the .onnx file to write');
  const opset = v.opset === undefined ? DEFAULT_OPSET : Number(v.opset);
  if (!Number.isInteger(opset) || opset < OPSET_RANGE[0] || opset > OPSET_RANGE[1])
    throw new Error(`--opset must be an integer in ${OPSET_RANGE[0]}..${OPSET_RANGE[1]}, got ${v.opset}`);
  const batch = v.batch ?? 'dynamic';
  if (batch !== 'dynamic' && !/^[1-9]\d*$/.test(batch))
    throw new Error(`--batch must be "dynamic" or a positive integer, got "${batch}"`);
  const metadata: Record<string, string> = {};
  for (const m of v.meta ?? []) {
    const eq = m.indexOf('=');
    if (eq < 1) throw new Error(`--meta takes key=value, got "${m}"`);
    metadata[m.slice(0, eq)] = m.slice(eq + 1);
  }
  return {
    model: parsed.positionals[0]!,
    output: v.output,
    options: {
      opset,
      batch: batch === 'dynamic' ? 'dynamic' : Number(batch),
      graphName: v.name,
      inputNames: v['input-name']?.split(','),
      outputNames: v['output-name']?.split(','),
      metadata,
    },
  };
}

/** Runs the command; returns the text for stdout. Throws on bad arguments or a failed conversion. */
export async function runTfjs2onnx(args: string[]): Promise<string> {
  const a = parseTfjs2onnxArgs(args);
  if (a === null) return USAGE + '\n';
  const r = await convertFile(a.model, a.output, a.options);
  return `tfjs2onnx: wrote ${a.output}: ${formatSummary(r)}\n`;
}

/** The executable's body: prints the result, or `error: <one line>` and exit status 1. */
export function main(args: string[] = process.argv.slice(2)): void {
  runTfjs2onnx(args).then(
    (text) => process.stdout.write(text),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      if (process.env.DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
      process.exitCode = 1;
    },
  );
}
