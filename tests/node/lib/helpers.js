'use strict';
// Shared helpers for the Node client tests: start/stop the Snowglobe binary named by
// SNOWGLOBE_BIN, and promise wrappers around the callback-style snowflake-sdk API.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { after, before } = require('node:test');
const snowflake = require('snowflake-sdk');

// Errors only, to the console: the default file transport writes snowflake.log into the cwd.
snowflake.configure({ logLevel: 'ERROR', logFilePath: 'STDOUT' });
// At login the driver probes cloud metadata endpoints (AWS IMDS, GCP, Azure) to report the
// platform. Tests talk to 127.0.0.1 only.
process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';

const STARTUP_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function snowglobeBinary() {
  if (!process.env.SNOWGLOBE_BIN) {
    throw new Error(
      'SNOWGLOBE_BIN is not set: export SNOWGLOBE_BIN=/path/to/snowglobe ' +
        '(e.g. target/debug/snowglobe) before running the client tests',
    );
  }
  // The server runs in a scratch directory: resolve a relative path first.
  const bin = path.resolve(process.env.SNOWGLOBE_BIN);
  try {
    fs.accessSync(bin, fs.constants.X_OK);
    if (!fs.statSync(bin).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`SNOWGLOBE_BIN=${bin} is not an executable file`);
  }
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function isHealthy(baseUrl) {
  try {
    const res = await fetch(`${baseUrl}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) return false;
    await res.json();
    return true;
  } catch {
    return false;
  }
}

function logTail(logPath, lines = 40) {
  try {
    return fs.readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

/**
 * Starts `$SNOWGLOBE_BIN start --listen 127.0.0.1:<free port>` and waits until its health
 * endpoint answers. Returns { accessUrl, port, stop() }.
 */
async function startServer() {
  const bin = snowglobeBinary();
  const port = await freePort();
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowglobe-node-'));
  const logPath = path.join(workdir, 'server.log');
  const log = fs.openSync(logPath, 'w');
  const env = { ...process.env, PERSISTENCE: '0', LOCALSTACK_VOLUME_DIR: path.join(workdir, 'volume') };
  delete env.AUTO_LOAD_POD;
  const child = spawn(bin, ['start', '--listen', `127.0.0.1:${port}`], {
    cwd: workdir,
    env,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let exit = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });

  const stop = async () => {
    if (exit) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(SHUTDOWN_TIMEOUT_MS).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const accessUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await isHealthy(accessUrl))) {
    if (exit) {
      throw new Error(`snowglobe exited (${JSON.stringify(exit)}) during startup:\n${logTail(logPath)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`snowglobe did not answer ${accessUrl}/_localstack/health within 30s:\n${logTail(logPath)}`);
    }
    await sleep(100);
  }
  return { accessUrl, port, stop };
}

function connect(server, options = {}) {
  const connection = snowflake.createConnection({
    account: 'test',
    username: 'test',
    password: 'test',
    accessUrl: server.accessUrl,
    // By default the driver turns a NULL TIME value into the string 'NULL'; compare with null.
    representNullAsStringNull: false,
    ...options,
  });
  return new Promise((resolve, reject) => {
    connection.connect((err, conn) => (err ? reject(err) : resolve(conn)));
  });
}

function destroy(connection) {
  return new Promise((resolve) => connection.destroy(() => resolve()));
}

/** Runs one statement; resolves { rows, stmt } (rows are objects keyed by column name). */
function execute(connection, sqlText, binds, extra = {}) {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds === undefined ? {} : { binds }),
      ...extra,
      complete: (err, stmt, rows) => (err ? reject(err) : resolve({ rows, stmt })),
    });
  });
}

function uniqueName(prefix) {
  return `${prefix}_${crypto.randomBytes(5).toString('hex')}`.toUpperCase();
}

/**
 * Registers the before/after hooks of a test file: one server, one connection and one uniquely
 * named database, current in that connection; then `setup(ctx)` if given (the file's own tables).
 * Returns the object that `before` fills in: { server, conn, database }.
 *
 * A file must not add its own top-level `before`: node:test does not wait for this one first.
 */
function useServerWithDatabase(prefix, setup) {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer();
    ctx.conn = await connect(ctx.server);
    ctx.database = uniqueName(prefix);
    await execute(ctx.conn, `create database ${ctx.database}`);
    await execute(ctx.conn, `use schema ${ctx.database}.PUBLIC`);
    if (setup) await setup(ctx);
  });
  after(async () => {
    if (ctx.conn) {
      await execute(ctx.conn, `drop database if exists ${ctx.database}`).catch(() => {});
      await destroy(ctx.conn);
    }
    if (ctx.server) await ctx.server.stop();
  });
  return ctx;
}

module.exports = { startServer, connect, destroy, execute, uniqueName, useServerWithDatabase };
