'use strict';
// Every column type through the Node driver: created, inserted (NULLs too), selected and decoded.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { execute, uniqueName, useServerWithDatabase } = require('../lib/helpers');

const COLUMNS = [
  'ID', 'C_NUMBER', 'C_INT', 'C_FLOAT', 'C_VARCHAR', 'C_STRING', 'C_TEXT', 'C_BOOLEAN',
  'C_DATE', 'C_TIME', 'C_NTZ', 'C_LTZ', 'C_TZ', 'C_VARIANT', 'C_OBJECT', 'C_ARRAY', 'C_BINARY',
];

let table;

const ctx = useServerWithDatabase('NODE_TYPES', async ({ conn }) => {
  table = uniqueName('ALL_TYPES');
  await execute(
    conn,
    `create table ${table} (
      id INT, c_number NUMBER(10, 2), c_int INT, c_float FLOAT,
      c_varchar VARCHAR(10), c_string STRING, c_text TEXT, c_boolean BOOLEAN,
      c_date DATE, c_time TIME,
      c_ntz TIMESTAMP_NTZ, c_ltz TIMESTAMP_LTZ, c_tz TIMESTAMP_TZ,
      c_variant VARIANT, c_object OBJECT, c_array ARRAY, c_binary BINARY
    )`,
  );
  // PARSE_JSON & co. are not allowed in VALUES in Snowflake: INSERT ... SELECT instead.
  await execute(
    conn,
    `insert into ${table} select
      1, 12345678.91, 42, 1.5,
      'héllo', 'it''s', '', true,
      '2024-02-29'::date, '13:14:15.123456'::time,
      '2024-01-02 03:04:05.123456'::timestamp_ntz,
      '2024-01-02 03:04:05.123456 +00:00'::timestamp_ltz,
      '2024-01-02 03:04:05.123456 +05:30'::timestamp_tz,
      parse_json('{"a": 1, "b": [true, null, "x"]}'),
      object_construct('k', 'v', 'n', 2),
      array_construct(1, 'two', 3.5),
      to_binary('48656C6C6F', 'HEX')`,
  );
  await execute(conn, `insert into ${table} (id) values (2)`);
});

async function selectRow(id, extra) {
  const { rows, stmt } = await execute(ctx.conn, `select * from ${table} where id = ?`, [id], extra);
  assert.equal(rows.length, 1);
  return { row: rows[0], stmt };
}

test('column metadata', async () => {
  const { stmt } = await selectRow(1);
  const columns = stmt.getColumns();

  assert.deepEqual(columns.map((c) => c.getName()), COLUMNS);
  assert.deepEqual(
    columns.map((c) => c.getType()),
    [
      'fixed', 'fixed', 'fixed', 'real', 'text', 'text', 'text', 'boolean',
      'date', 'time', 'timestamp_ntz', 'timestamp_ltz', 'timestamp_tz',
      'variant', 'object', 'array', 'binary',
    ],
  );
  const number = columns[COLUMNS.indexOf('C_NUMBER')];
  assert.equal(number.getPrecision(), 10);
  assert.equal(number.getScale(), 2);
  assert.ok(columns.every((c) => c.isNullable()));
});

test('numbers, strings and booleans', async () => {
  const { row } = await selectRow(1);

  assert.equal(row.ID, 1);
  assert.equal(row.C_NUMBER, 12345678.91);
  assert.equal(row.C_INT, 42);
  assert.equal(row.C_FLOAT, 1.5);
  assert.equal(row.C_VARCHAR, 'héllo');
  assert.equal(row.C_STRING, "it's");
  assert.equal(row.C_TEXT, '');
  assert.equal(row.C_BOOLEAN, true);
});

test('date and time values', async () => {
  const { row } = await selectRow(1);

  assert.ok(row.C_DATE instanceof Date);
  assert.equal(row.C_DATE.getTime(), Date.UTC(2024, 1, 29));
  assert.equal(row.C_DATE.toJSON(), '2024-02-29'); // DATE_OUTPUT_FORMAT YYYY-MM-DD
  assert.equal(row.C_TIME, '13:14:15'); // TIME_OUTPUT_FORMAT HH24:MI:SS

  assert.ok(row.C_NTZ instanceof Date);
  assert.equal(row.C_NTZ.getTime(), Date.UTC(2024, 0, 2, 3, 4, 5, 123));
  assert.equal(row.C_NTZ.getNanoSeconds(), 123456000);

  assert.ok(row.C_LTZ instanceof Date);
  assert.equal(row.C_LTZ.getTime(), Date.UTC(2024, 0, 2, 3, 4, 5, 123));

  assert.ok(row.C_TZ instanceof Date);
  assert.equal(row.C_TZ.getTime(), Date.UTC(2024, 0, 1, 21, 34, 5, 123)); // 03:04:05 at +05:30
});

test('TIMESTAMP_TZ keeps its offset', async () => {
  const { row } = await selectRow(1);

  assert.equal(row.C_TZ.getTimezone(), 330);
});

test('semi-structured and binary values', async () => {
  const { row } = await selectRow(1);

  assert.deepEqual(row.C_VARIANT, { a: 1, b: [true, null, 'x'] });
  assert.deepEqual(row.C_OBJECT, { k: 'v', n: 2 });
  assert.deepEqual(row.C_ARRAY, [1, 'two', 3.5]);
  assert.ok(Buffer.isBuffer(row.C_BINARY));
  assert.ok(row.C_BINARY.equals(Buffer.from('Hello')));
});

test('NULL in every column', async () => {
  const { row } = await selectRow(2);

  for (const column of COLUMNS.slice(1)) {
    assert.equal(row[column], null, `${column} should be NULL`);
  }
});

test('fetchAsString returns the wire text', async () => {
  const { row } = await selectRow(1, { fetchAsString: ['Number', 'Date', 'Boolean', 'Buffer'] });

  assert.equal(row.C_NUMBER, '12345678.91');
  assert.equal(row.C_INT, '42');
  assert.equal(row.C_DATE, '2024-02-29');
  assert.equal(row.C_BOOLEAN, 'TRUE');
  assert.equal(row.C_BINARY, '48656C6C6F');
});
