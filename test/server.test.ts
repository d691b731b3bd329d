// The demo's static server (src/demo/server.ts) over real TCP on 127.0.0.1: precompressed files with
// Content-Encoding, ETag / Last-Modified and 304s, symlinks that point out of the folder refused, and a
// fuzz of malformed and hostile raw requests that the server answers or closes while staying up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolveInside } from '../src/demo/server.js';

let root = '',
  outside = '',
  server: ChildProcess | undefined,
  port = 0,
  exited = false;
const BODY = 'console.log("the demo");\n'.repeat(40);

before(async () => {
  const base = await mkdtemp(join(tmpdir(), 'serve-'));
  root = join(base, 'dist');
  outside = join(base, 'secret');
  await mkdir(root);
  await mkdir(outside);
  await mkdir(join(root, 'sub'));
  await writeFile(join(outside, 'passwd'), 'root:x:0:0:secret\n');
  await writeFile(join(root, 'index.html'), '<!doctype html><title>demo</title>');
  await writeFile(join(root, 'app.js'), BODY);
  await writeFile(join(root, 'app.js.br'), brotliCompressSync(BODY));
  await writeFile(join(root, 'app.js.gz'), gzipSync(BODY));
  // A stale sibling (older than its file) must not be served.
  await writeFile(join(root, 'old.js'), 'new text');
  await writeFile(join(root, 'old.js.gz'), gzipSync('old text'));
  await utimes(join(root, 'old.js.gz'), new Date(2000, 0, 1), new Date(2000, 0, 1));
  await writeFile(join(root, 'sub', 'real.txt'), 'inside');
  await symlink(join(outside, 'passwd'), join(root, 'leak.txt'));
  await symlink(outside, join(root, 'leakdir'));
  await symlink(join(root, 'sub', 'real.txt'), join(root, 'alias.txt'));
  await symlink(join(outside, 'passwd'), join(root, 'app2.js.gz'));
  await writeFile(join(root, 'app2.js'), 'x');
  // The real CLI in its own process, so a crash shows as an exit rather than an error inside the test runner.
  const child = spawn(process.execPath, ['pipeline/serve.js', '--dir', root, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  server = child;
  child.once('exit', () => {
    exited = true;
  });
  port = await new Promise<number>((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => {
      const m = /http:\/\/[\d.]+:(\d+)\//.exec(b.toString());
      if (m) ok(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`serve exited with ${code}`)));
  });
});

after(() => {
  server?.kill();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((ok, fail) => {
    const r = request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    r.on('error', fail);
    r.end();
  });
}

/** Sends raw bytes; resolves with what came back before the server closed (or 2 s passed). */
function raw(bytes: string | Buffer): Promise<{ reply: string; closed: boolean }> {
  return new Promise((ok) => {
    const s = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      s.destroy();
      ok({ reply, closed: false });
    }, 2000);
    s.on('data', (b: Buffer) => {
      reply += b.toString('latin1');
      if (/\r\n\r\n/.test(reply)) {
        clearTimeout(timer);
        s.destroy();
        ok({ reply, closed: true });
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      ok({ reply, closed: true });
    });
    s.write(bytes);
    s.end();
  });
}

test('serves brotli, gzip or plain by Accept-Encoding, with ETag, Last-Modified and 304s', async () => {
  const br = await get('/app.js', { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers.vary, 'accept-encoding');
  assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(br.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.ok(br.body.length < BODY.length / 4, `brotli body ${br.body.length} bytes`);
  const gz = await get('/app.js', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  const plain = await get('/app.js', { 'accept-encoding': 'br;q=0, identity' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), BODY);
  assert.notEqual(br.headers.etag, gz.headers.etag, 'each encoding has its own ETag');

  const again = await get('/app.js', { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  const since = await get('/app.js', { 'if-modified-since': String(br.headers['last-modified']) });
  assert.equal(since.status, 304);
  const changed = await get('/app.js', { 'accept-encoding': 'br', 'if-none-match': '"other"' });
  assert.equal(changed.status, 200);

  const stale = await get('/old.js', { 'accept-encoding': 'gzip' });
  assert.equal(stale.headers['content-encoding'], undefined);
  assert.equal(stale.body.toString(), 'new text');
  const head = await get('/', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-type'], 'text/html; charset=utf-8');
});

test('serves only real files inside its folder: symlinks leading out are refused', async () => {
  for (const path of ['/leak.txt', '/leakdir/passwd', '/leakdir/', '/app2.js']) {
    const r = await get(path, { 'accept-encoding': 'gzip' });
    assert.doesNotMatch(r.body.toString('latin1'), /root:x/, path);
    if (path !== '/app2.js') assert.equal(r.status, 404, path);
  }
  const alias = await get('/alias.txt');
  assert.equal(alias.status, 200, 'a symlink to a file inside the folder is fine');
  assert.equal(alias.body.toString(), 'inside');
  assert.equal(resolveInside('/srv/demo', '/../etc/passwd'), null);
  assert.equal(resolveInside('/srv/demo', '/ort/x.wasm'), '/srv/demo/ort/x.wasm');
});

test(
  'a fuzz of malformed and hostile request lines: each answered or closed, and the server stays up',
  { timeout: 60_000 },
  async () => {
    const targets = [
      '//[',
      'http://[::1',
      'http://[::1]:80/',
      '//',
      '/%',
      '/%zz',
      '/%00',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..\\..\\etc\\passwd',
      '*',
      '',
      ' ',
      '/\u0000',
      'http://',
      'http://a:b@[',
      '/?' + 'a'.repeat(9000),
      '/' + '%2f'.repeat(500),
      '\\\\server\\share',
      'file:///etc/passwd',
      '/leak.txt',
      '/leakdir/passwd',
      '/a\r\nX-Injected: 1',
      'ftp://x/',
      '/%c0%ae%c0%ae/',
      '/\u00ff\u00fe',
      '%',
      '/#frag',
      '?',
      '/;/',
      '//etc/passwd',
    ];
    const methods = ['GET', 'HEAD', 'POST', 'get', 'CONNECT', 'OPTIONS', 'BREW', '\u0000', 'GET GET'];
    const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1', 'http/1.1', ''];
    const cases: string[] = [];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 240; k++) {
      const line = `${methods[rand(methods.length)]} ${targets[rand(targets.length)]} ${versions[rand(versions.length)]}`;
      cases.push(`${line}\r\nHost: 127.0.0.1\r\n\r\n`);
    }
    // Header and framing abuse on top of the request-line cases.
    cases.push(
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(3000) + '\r\n',
      'GET / HTTP/1.1\r\nIf-None-Match: ' + '"'.repeat(5000) + '\r\n\r\n',
      'GET / HTTP/1.1\r\nIf-Modified-Since: not a date\r\n\r\n',
      'GET / HTTP/1.1\r\nAccept-Encoding: ;;;,,,br;q=x\r\n\r\n',
      '\r\n\r\n',
      'garbage',
      '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    );
    for (let k = 0; k < 40; k++)
      cases.push(Buffer.from(Array.from({ length: 1 + rand(200) }, () => rand(256))).toString('latin1') + '\r\n\r\n');
    let answered = 0;
    for (let i = 0; i < cases.length; i += 20) {
      const batch = await Promise.all(cases.slice(i, i + 20).map((c) => raw(Buffer.from(c, 'latin1'))));
      for (const [j, r] of batch.entries()) {
        assert.ok(
          r.closed || /^HTTP\/1\.1 \d{3}/.test(r.reply),
          `case ${i + j} neither answered nor closed: ${JSON.stringify(cases[i + j]!.slice(0, 80))}`,
        );
        assert.doesNotMatch(r.reply, /root:x/, `case ${i + j} leaked the file outside`);
        if (r.reply.startsWith('HTTP/1.1')) answered++;
      }
    }
    assert.ok(cases.length >= 290, `${cases.length} cases`);
    assert.ok(answered > cases.length / 2, `answered ${answered} of ${cases.length}`);
    assert.equal(exited, false, 'the server process is still running');
    const alive = await get('/app.js');
    assert.equal(alive.status, 200, 'the server still serves after the fuzz');
    assert.equal(alive.body.toString(), BODY);
  },
);
