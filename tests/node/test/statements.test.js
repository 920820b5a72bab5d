'use strict';
// Statements through the Node driver: context, DDL status, DML counts, binds and errors.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { connect, destroy, execute, uniqueName, useServerWithDatabase } = require('../lib/helpers');

const ctx = useServerWithDatabase('NODE_STATEMENTS');

async function createTable(columns) {
  const table = uniqueName('T');
  const { rows } = await execute(ctx.conn, `create table ${table} ${columns}`);
  assert.deepEqual(rows, [{ status: `Table ${table} successfully created.` }]);
  return table;
}

/** Asserts that `promise` rejects with this Snowflake error code and SQLSTATE. */
async function assertSnowflakeError(promise, code, sqlState, fragment) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, err.message);
    assert.equal(err.sqlState, sqlState, err.message);
    if (fragment) assert.ok(err.message.includes(fragment), err.message);
    for (const word of ['Catalog Error', 'Binder Error', 'Parser Error', 'duckdb']) {
      assert.ok(!err.message.toLowerCase().includes(word.toLowerCase()), err.message);
    }
    return true;
  });
}

test('select 1', async () => {
  const { rows, stmt } = await execute(ctx.conn, 'select 1');

  assert.deepEqual(rows, [{ 1: 1 }]);
  const [column] = stmt.getColumns();
  assert.equal(column.getName(), '1');
  assert.equal(column.getType(), 'fixed');
});

test('current context follows the connection and USE', async () => {
  const { rows } = await execute(ctx.conn, 'select current_database() as db, current_schema() as sch');
  assert.deepEqual(rows, [{ DB: ctx.database, SCH: 'PUBLIC' }]);

  const other = await connect(ctx.server, { database: ctx.database, schema: 'PUBLIC' });
  try {
    const { rows: fromLogin } = await execute(other, 'select current_database() as db');
    assert.deepEqual(fromLogin, [{ DB: ctx.database }]);
  } finally {
    await destroy(other);
  }
});

test('insert, update and delete report row counts', async () => {
  const table = await createTable('(id INT, name VARCHAR)');

  const inserted = await execute(ctx.conn, `insert into ${table} values (1, 'a'), (2, 'b'), (3, 'c')`);
  assert.deepEqual(inserted.rows, [{ 'number of rows inserted': 3 }]);
  assert.equal(inserted.stmt.getNumUpdatedRows(), 3);

  const updated = await execute(ctx.conn, `update ${table} set name = 'x' where id > 1`);
  assert.deepEqual(updated.rows, [
    { 'number of rows updated': 2, 'number of multi-joined rows updated': 0 },
  ]);
  assert.equal(updated.stmt.getNumUpdatedRows(), 2);

  const deleted = await execute(ctx.conn, `delete from ${table} where id = 1`);
  assert.deepEqual(deleted.rows, [{ 'number of rows deleted': 1 }]);
  assert.equal(deleted.stmt.getNumUpdatedRows(), 1);

  const { rows } = await execute(ctx.conn, `select id, name from ${table} order by id`);
  assert.deepEqual(rows, [{ ID: 2, NAME: 'x' }, { ID: 3, NAME: 'x' }]);
});

test('positional binds of every JS type', async () => {
  const table = await createTable(
    '(id INT, n NUMBER(10, 2), f FLOAT, t VARCHAR, b BOOLEAN, d DATE, ts TIMESTAMP_NTZ, missing VARCHAR)',
  );

  await execute(ctx.conn, `insert into ${table} values (?, ?, ?, ?, ?, ?, ?, ?)`, [
    1, 12.5, 0.25, "it's", true, '2024-01-31', '2024-01-02 03:04:05', null,
  ]);

  const { rows } = await execute(ctx.conn, `select * from ${table}`);
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.equal(row.ID, 1);
  assert.equal(row.N, 12.5);
  assert.equal(row.F, 0.25);
  assert.equal(row.T, "it's");
  assert.equal(row.B, true);
  assert.equal(row.D.getTime(), Date.UTC(2024, 0, 31));
  assert.equal(row.TS.getTime(), Date.UTC(2024, 0, 2, 3, 4, 5));
  assert.equal(row.MISSING, null);
});

test('numeric binds and binds in a WHERE clause', async () => {
  const { rows } = await execute(ctx.conn, 'select :1 + :1 as twice, :2 as word', [21, 'x']);
  assert.deepEqual(rows, [{ TWICE: 42, WORD: 'x' }]);

  const table = await createTable('(id INT, name VARCHAR)');
  await execute(ctx.conn, `insert into ${table} values (1, 'a'), (2, 'b')`);
  const { rows: found } = await execute(ctx.conn, `select id from ${table} where name = ?`, ['b']);
  assert.deepEqual(found, [{ ID: 2 }]);
});

test('array binds insert many rows', async () => {
  const table = await createTable('(id INT, name VARCHAR, d DATE)');
  const rowsToInsert = Array.from({ length: 500 }, (_, i) => [i, `row-${i}`, i % 2 ? '2024-01-01' : null]);

  const { rows } = await execute(ctx.conn, `insert into ${table} values (?, ?, ?)`, rowsToInsert);

  assert.deepEqual(rows, [{ 'number of rows inserted': 500 }]);
  const { rows: summary } = await execute(
    ctx.conn,
    `select count(*) as n, sum(id) as s, count(d) as dates from ${table}`,
  );
  assert.deepEqual(summary, [{ N: 500, S: (499 * 500) / 2, DATES: 250 }]);
});

test('missing table error', async () => {
  await assertSnowflakeError(
    execute(ctx.conn, 'select * from no_such_table'),
    '002003',
    '42S02',
    'does not exist or not authorized',
  );

  // The connection is still usable afterwards.
  const { rows } = await execute(ctx.conn, 'select 2 as two');
  assert.deepEqual(rows, [{ TWO: 2 }]);
});

test('syntax error', async () => {
  await assertSnowflakeError(execute(ctx.conn, 'selec 1'), '001003', '42000', 'syntax error');
});

test('invalid identifier error', async () => {
  const table = await createTable('(id INT)');

  await assertSnowflakeError(
    execute(ctx.conn, `select nope from ${table}`),
    '000904',
    '42000',
    "invalid identifier 'NOPE'",
  );
});

test('division by zero error', async () => {
  await assertSnowflakeError(execute(ctx.conn, 'select 1/0'), '100051', '22012', 'Division by zero');
});

test('a session asking for Arrow results still gets what the Node driver reads', async () => {
  const other = await connect(ctx.server, { database: ctx.database, schema: 'PUBLIC' });
  try {
    for (const parameter of ['query_result_format', 'python_connector_query_result_format']) {
      await execute(other, `alter session set ${parameter} = 'ARROW'`);
      const { rows } = await execute(other, "select 42 as n, 'x' as s");
      assert.deepEqual(rows, [{ N: 42, S: 'x' }]);
    }
  } finally {
    await destroy(other);
  }
});

test('the statements of a multi-statement request take the binds in turn', async () => {
  const table = await createTable('(n INT)');
  await execute(ctx.conn, `insert into ${table} values (?); insert into ${table} values (?), (?)`, [20, 30, 40], {
    parameters: { MULTI_STATEMENT_COUNT: 2 },
  });
  const { rows } = await execute(ctx.conn, `select n from ${table} order by n`);
  assert.deepEqual(rows.map((r) => r.N), [20, 30, 40]);
});
