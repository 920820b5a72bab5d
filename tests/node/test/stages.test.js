'use strict';
// Internal stages through the Node driver: PUT (the driver's LOCAL_FS transfer), LIST and COPY.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { execute, uniqueName, useServerWithDatabase } = require('../lib/helpers');

const ctx = useServerWithDatabase('NODE_STAGES');

test('PUT a file, LIST it and COPY it into a table', async () => {
  const stage = uniqueName('ST');
  const table = uniqueName('T');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-node-'));
  const file = path.join(dir, 'rows.csv');
  fs.writeFileSync(file, '1,one\n2,two\n');
  await execute(ctx.conn, `create stage ${stage}`);
  await execute(ctx.conn, `create table ${table} (id int, name string)`);

  const put = await execute(ctx.conn, `put file://${file} @${stage}`);
  assert.equal(put.rows.length, 1);
  const listed = await execute(ctx.conn, `list @${stage}`);
  assert.deepEqual(listed.rows.map((r) => r.name), [`${stage.toLowerCase()}/rows.csv.gz`]);

  const copied = await execute(ctx.conn, `copy into ${table} from @${stage}`);
  assert.deepEqual(
    copied.rows.map((r) => [r.status, r.rows_loaded]),
    [['LOADED', 2]],
  );
  const { rows } = await execute(ctx.conn, `select id, name from ${table} order by id`);
  assert.deepEqual(rows, [{ ID: 1, NAME: 'one' }, { ID: 2, NAME: 'two' }]);
});
