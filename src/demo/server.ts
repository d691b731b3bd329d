// A small static file server for the demo: only real files under `root` (symlinks are resolved and must
// stay inside), the right MIME types, precompressed `.br` / `.gz` siblings sent with Content-Encoding,
// ETag / Last-Modified with 304s, and the COOP/COEP headers that let onnxruntime-web use threads
// (switchable off to test the fallback). No request, however malformed, may stop the process.
// Its limits are explicit (SERVER_LIMITS): how long a client may take to send its headers and its request, how long
// an idle keep-alive or stalled socket stays open, how large the headers may be, and how many connections are held
// at once (a connection past the cap is closed at once, without a reply).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.f32': 'application/octet-stream',
  '.u8': 'application/octet-stream',
};

/** Precompressed siblings the build writes, in order of preference. */
const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
] as const;

/** What the server tolerates from its clients; times in milliseconds. */
export interface ServerLimits {
  /** Time to receive a request's complete headers (a slow or half-sent request gets a 408 and is closed). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (>= headersTimeoutMs). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long (announced as `keep-alive: timeout=<s>`). */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic for this long (a client that stopped reading a reply) is destroyed. */
  socketIdleTimeoutMs: number;
  /** How often the header and request timeouts are checked. */
  timeoutCheckIntervalMs: number;
  /** Connections held at once; one more is closed without a reply until one ends. */
  maxConnections: number;
  /** Largest request head in bytes (larger: 431). */
  maxHeaderBytes: number;
}

export const SERVER_LIMITS: Readonly<ServerLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  socketIdleTimeoutMs: 60_000,
  timeoutCheckIntervalMs: 1_000,
  maxConnections: 1_000,
  maxHeaderBytes: 16 * 1024,
};

export interface ServeOptions {
  root: string;
  port: number;
  host: string;
  isolation: boolean;
  /** Overrides of SERVER_LIMITS. */
  limits?: Partial<ServerLimits>;
}

/** SERVER_LIMITS with `overrides`, checked: a RangeError names the limit and what it must be. */
export function serverLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const l = { ...SERVER_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(l)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`server limit ${name} must be a positive integer, got ${value}`);
  }
  if (l.requestTimeoutMs < l.headersTimeoutMs)
    throw new RangeError(
      `server limit requestTimeoutMs (${l.requestTimeoutMs}) must be >= headersTimeoutMs (${l.headersTimeoutMs})`,
    );
  return l;
}

/** Maps a URL path to a file inside root, or null for anything that would leave it (by its text). */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const base = resolve(root);
  const full = normalize(join(base, decoded));
  return full === base || full.startsWith(base + sep) ? full : null;
}

const inside = (base: string, full: string) => full === base || full.startsWith(base + sep);

/** The real (symlink-free) path of `file` and its stats when it is a regular file inside realRoot, else null. */
async function realFileInside(realRoot: string, file: string): Promise<{ path: string; st: Stats } | null> {
  const real = await realpath(file).catch(() => null);
  if (!real || !inside(realRoot, real)) return null;
  const st = await stat(real).catch(() => null);
  return st?.isFile() ? { path: real, st } : null;
}

/** The accepted encodings of a request, by the Accept-Encoding header (q=0 excluded). */
function accepted(req: IncomingMessage): Set<string> {
  const out = new Set<string>();
  for (const part of String(req.headers['accept-encoding'] ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p))) out.add(name);
  }
  return out;
}

async function handle(o: ServeOptions, realRoot: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (code: number, text: string) => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
  let pathname: string;
  try {
    pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return send(400, 'bad request');
  }
  const asked = resolveInside(o.root, pathname);
  if (!asked) return send(403, 'forbidden');
  let file = asked;
  const dirStat = await stat(file).catch(() => null);
  if (dirStat?.isDirectory()) file = join(file, 'index.html');
  const plain = await realFileInside(realRoot, file);
  if (!plain) return send(404, 'not found');

  // A precompressed sibling is used only when it is at least as new as the file it stands for.
  const acc = accepted(req);
  let body = plain,
    encoding = '';
  for (const e of ENCODINGS) {
    if (!acc.has(e.name)) continue;
    const c = await realFileInside(realRoot, plain.path + e.ext);
    if (c && c.st.mtimeMs >= plain.st.mtimeMs) {
      body = c;
      encoding = e.name;
      break;
    }
  }
  const etag = `"${plain.st.size.toString(36)}-${Math.floor(plain.st.mtimeMs).toString(36)}${encoding ? `-${encoding}` : ''}"`;
  const lastModified = new Date(Math.floor(plain.st.mtimeMs / 1000) * 1000).toUTCString();
  const headers: Record<string, string | number> = {
    'content-type': MIME[extname(plain.path)] ?? 'application/octet-stream',
    // Revalidate every time: a rebuilt demo must never mix old and new files; an unchanged one costs a 304.
    'cache-control': 'no-cache',
    etag,
    'last-modified': lastModified,
    vary: 'accept-encoding',
  };
  if (encoding) headers['content-encoding'] = encoding;
  if (o.isolation)
    Object.assign(headers, {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  const fresh =
    inm !== undefined
      ? inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')
      : ims !== undefined && Date.parse(ims) >= Date.parse(lastModified);
  if (fresh) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers['content-length'] = body.st.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(body.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export async function startServer(o: ServeOptions): Promise<Server> {
  const realRoot = await realpath(resolve(o.root));
  const limits = serverLimits(o.limits);
  const options = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    maxHeaderSize: limits.maxHeaderBytes,
  };
  const server = createServer(options, (req, res) => {
    handle(o, realRoot, req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error');
      } else res.destroy();
    });
  });
  // Requests node's parser rejects get a closed socket after a status line: 408 for a request not received within
  // the header or request timeout, 431 for headers over maxHeaderBytes, 400 for the rest (bad request lines).
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  server.maxConnections = limits.maxConnections;
  // Without a 'timeout' listener node destroys a socket that stays silent this long.
  server.setTimeout(limits.socketIdleTimeoutMs);
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, o.host, () => ok(server));
  });
}
