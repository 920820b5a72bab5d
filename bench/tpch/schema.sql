-- TPC-H tables in Snowflake types (spec section 1.4). Loaded from tpchgen-cli's Parquet files.
create or replace table region (
    r_regionkey integer not null, r_name varchar(25) not null, r_comment varchar(152));
create or replace table nation (
    n_nationkey integer not null, n_name varchar(25) not null, n_regionkey integer not null,
    n_comment varchar(152));
create or replace table supplier (
    s_suppkey integer not null, s_name varchar(25) not null, s_address varchar(40) not null,
    s_nationkey integer not null, s_phone varchar(15) not null,
    s_acctbal number(15,2) not null, s_comment varchar(101) not null);
create or replace table customer (
    c_custkey integer not null, c_name varchar(25) not null, c_address varchar(40) not null,
    c_nationkey integer not null, c_phone varchar(15) not null,
    c_acctbal number(15,2) not null, c_mktsegment varchar(10) not null,
    c_comment varchar(117) not null);
create or replace table part (
    p_partkey integer not null, p_name varchar(55) not null, p_mfgr varchar(25) not null,
    p_brand varchar(10) not null, p_type varchar(25) not null, p_size integer not null,
    p_container varchar(10) not null, p_retailprice number(15,2) not null,
    p_comment varchar(23) not null);
create or replace table partsupp (
    ps_partkey integer not null, ps_suppkey integer not null, ps_availqty integer not null,
    ps_supplycost number(15,2) not null, ps_comment varchar(199) not null);
create or replace table orders (
    o_orderkey integer not null, o_custkey integer not null, o_orderstatus varchar(1) not null,
    o_totalprice number(15,2) not null, o_orderdate date not null,
    o_orderpriority varchar(15) not null, o_clerk varchar(15) not null,
    o_shippriority integer not null, o_comment varchar(79) not null);
create or replace table lineitem (
    l_orderkey integer not null, l_partkey integer not null, l_suppkey integer not null,
    l_linenumber integer not null, l_quantity number(15,2) not null,
    l_extendedprice number(15,2) not null, l_discount number(15,2) not null,
    l_tax number(15,2) not null, l_returnflag varchar(1) not null,
    l_linestatus varchar(1) not null, l_shipdate date not null, l_commitdate date not null,
    l_receiptdate date not null, l_shipinstruct varchar(25) not null,
    l_shipmode varchar(10) not null, l_comment varchar(44) not null)
