"""Roles and users (CREATE | ALTER | DROP ROLE | USER, GRANT | REVOKE ROLE, DESCRIBE USER), as
setup scripts create them: listed by SHOW ROLES / USERS / GRANTS, kept across restarts with
persistence. Access itself is not enforced."""

from __future__ import annotations

import pytest

from helpers import raises_snowflake
from state_support import Server, sql


def shown(conn, statement: str) -> list[dict]:
    cur = conn.cursor()
    cur.execute(statement)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


@pytest.fixture
def srv(tmp_path):
    with Server(tmp_path / "volume", persistence=True) as server:
        yield server


def test_roles_are_created_granted_listed_and_dropped(srv):
    conn = srv.connect()
    assert sql(conn, "create role analyst comment = 'reads things'") == [("Role ANALYST successfully created.",)]
    assert sql(conn, "create role if not exists analyst") == [("ANALYST already exists, statement succeeded.",)]
    with raises_snowflake(2002, "42710", ["already exists"]):
        sql(conn, "create role analyst")
    sql(conn, "create or replace role loader")
    sql(conn, "grant role analyst to role loader")
    sql(conn, "grant role loader to user test")

    roles = {r["name"]: r for r in shown(conn, "show roles")}
    assert {"ACCOUNTADMIN", "SYSADMIN", "ANALYST", "LOADER"} <= set(roles)
    assert roles["ANALYST"]["comment"] == "reads things"
    assert roles["ANALYST"]["owner"] == "ACCOUNTADMIN"
    assert (roles["ANALYST"]["granted_to_roles"], roles["LOADER"]["granted_roles"]) == (1, 1)
    assert roles["LOADER"]["assigned_to_users"] == 1
    assert [r["name"] for r in shown(conn, "show roles like 'ANA%'")] == ["ANALYST"]

    of = shown(conn, "show grants of role analyst")
    assert [(g["granted_to"], g["grantee_name"]) for g in of] == [("ROLE", "LOADER")]
    to_user = shown(conn, "show grants to user test")
    assert [g["role"] for g in to_user] == ["ACCOUNTADMIN", "LOADER"]

    sql(conn, "alter role analyst rename to reader")
    assert [g["name"] for g in shown(conn, "show grants to role loader")] == ["READER"]
    sql(conn, "revoke role reader from role loader")
    assert shown(conn, "show grants to role loader") == []
    assert sql(conn, "drop role reader") == [("READER successfully dropped.",)]
    with raises_snowflake(2003, "42S02", ["Role 'READER' does not exist"]):
        sql(conn, "drop role reader")
    sql(conn, "drop role if exists reader")
    with raises_snowflake(2003, "42S02", ["Role 'NOPE' does not exist"]):
        sql(conn, "grant role nope to user test")
    with raises_snowflake(2043, "02000", ["system role"]):
        sql(conn, "drop role sysadmin")


def test_users_keep_their_properties(srv):
    conn = srv.connect()
    assert sql(
        conn,
        "create user if not exists bob password = 'secret' login_name = 'bobby' display_name = 'Bob B' "
        "email = 'bob@example.com' default_role = analyst default_warehouse = compute_wh "
        "must_change_password = true comment = 'the builder'",
    ) == [("User BOB successfully created.",)]
    users = {u["name"]: u for u in shown(conn, "show users")}
    assert set(users) == {"BOB", "TEST"}
    bob = users["BOB"]
    assert (bob["login_name"], bob["display_name"], bob["email"]) == ("BOBBY", "Bob B", "bob@example.com")
    assert (bob["default_role"], bob["default_warehouse"], bob["comment"]) == ("ANALYST", "COMPUTE_WH", "the builder")
    assert (bob["must_change_password"], bob["disabled"], bob["has_password"]) == ("true", "false", "true")

    sql(conn, "alter user bob set email = 'b@example.com' disabled = true")
    sql(conn, "alter user bob unset comment")
    described = {r["property"]: r["value"] for r in shown(conn, "describe user bob")}
    assert (described["EMAIL"], described["DISABLED"], described["COMMENT"]) == ("b@example.com", "true", "null")
    assert described["PASSWORD"] == "********"

    sql(conn, "create role builder")
    sql(conn, "grant role builder to user bob")
    assert [g["role"] for g in shown(conn, "show grants to user bob")] == ["BUILDER"]
    sql(conn, "alter user bob rename to robert")
    assert [g["role"] for g in shown(conn, "show grants to user robert")] == ["BUILDER"]
    assert sql(conn, "drop user robert") == [("ROBERT successfully dropped.",)]
    with raises_snowflake(2003, "42S02", ["User 'ROBERT' does not exist"]):
        sql(conn, "describe user robert")
    # dropping a user takes its grants along
    assert shown(conn, "show grants of role builder") == []


def test_roles_and_users_survive_a_restart(srv):
    conn = srv.connect()
    sql(conn, "create role keeper comment = 'kept'")
    sql(conn, "create user kept_user default_role = keeper")
    sql(conn, "grant role keeper to user kept_user")
    srv.restart()
    conn = srv.connect()
    assert [r["comment"] for r in shown(conn, "show roles like 'KEEPER'")] == ["kept"]
    assert [u["default_role"] for u in shown(conn, "show users like 'KEPT_USER'")] == ["KEEPER"]
    assert [g["role"] for g in shown(conn, "show grants to user kept_user")] == ["KEEPER"]
