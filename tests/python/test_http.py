"""The HTTP surface seen without a connector: the health endpoint, a hand-made login and query, and
malformed requests, which must get a clean answer (HTTP 200 with `"success": false`, or a 4xx for
a path that does not exist) and leave the server serving normal connections."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import uuid

import pytest

from helpers import assert_no_duckdb_wording, scalar

QUERY_PATH = "/queries/v1/query-request"
LOGIN_PATH = "/session/v1/login-request"


def request(server, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    """One HTTP exchange on a fresh connection: (status, parsed JSON body or None)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        if resp.getheader("Content-Encoding", "").lower() == "gzip":
            data = gzip.decompress(data)
        try:
            return resp.status, json.loads(data)
        except ValueError:
            return resp.status, None
    finally:
        conn.close()


def json_headers(token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f'Snowflake Token="{token}"'
    return headers


def query_path() -> str:
    return f"{QUERY_PATH}?requestId={uuid.uuid4()}"


def query_body(sql: str) -> bytes:
    return json.dumps(
        {"sqlText": sql, "asyncExec": False, "sequenceId": 1, "parameters": {}}
    ).encode()


def login(server) -> str:
    body = json.dumps(
        {
            "data": {
                "CLIENT_APP_ID": "PythonConnector",
                "CLIENT_APP_VERSION": "4.8.1",
                "ACCOUNT_NAME": "test",
                "LOGIN_NAME": "test",
                "PASSWORD": "test",
                "SESSION_PARAMETERS": {},
            }
        }
    ).encode()
    status, doc = request(
        server, "POST", f"{LOGIN_PATH}?request_id={uuid.uuid4()}", body, json_headers()
    )
    assert status == 200, (status, doc)
    assert doc["success"] is True, doc
    token = doc["data"]["token"]
    assert isinstance(token, str) and token
    return token


def assert_clean_failure(status: int, doc) -> None:
    assert status == 200, f"HTTP {status}: {doc!r}"
    assert isinstance(doc, dict), f"not a JSON object: {doc!r}"
    assert doc.get("success") is False, doc
    assert isinstance(doc.get("message"), str) and doc["message"], doc
    assert_no_duckdb_wording(doc["message"])


@pytest.fixture
def token(server) -> str:
    return login(server)


@pytest.fixture(autouse=True)
def still_serving(connect):
    """After every test here, a normal connector session must still work."""
    yield
    assert scalar(connect(), "select 1") == 1


# --- health ----------------------------------------------------------------------------------


def test_health_endpoint(server):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", "/_localstack/health")
        resp = conn.getresponse()
        doc = json.loads(resp.read())
        content_type = resp.getheader("Content-Type", "")
    finally:
        conn.close()

    assert resp.status == 200
    assert "json" in content_type
    assert isinstance(doc["version"], str) and doc["version"]
    assert doc["services"]["snowflake"] == "running"


# --- well-formed requests by hand ------------------------------------------------------------


def test_hand_made_login_and_query(server, token):
    status, doc = request(server, "POST", query_path(), query_body("select 1"), json_headers(token))

    assert status == 200
    assert doc["success"] is True, doc
    data = doc["data"]
    assert data["rowtype"][0]["name"] == "1"
    assert data["rowtype"][0]["type"] == "fixed"
    assert data["total"] == 1
    assert isinstance(data["queryId"], str) and data["queryId"]
    assert data["queryResultFormat"] in ("json", "arrow")
    if data["queryResultFormat"] == "json":
        assert data["rowset"] == [["1"]]


def test_gzip_request_body(server, token):
    headers = dict(json_headers(token), **{"Content-Encoding": "gzip"})
    body = gzip.compress(query_body("select 2"))

    status, doc = request(server, "POST", query_path(), body, headers)

    assert status == 200
    assert doc["success"] is True, doc
    assert doc["data"]["total"] == 1


def test_sql_error_is_http_200(server, token):
    sql = "select * from NO_SUCH_DB_HTTP.PUBLIC.T"  # qualified: this session has no database

    status, doc = request(server, "POST", query_path(), query_body(sql), json_headers(token))

    assert_clean_failure(status, doc)
    assert doc["code"] == "002003"
    assert doc["data"]["sqlState"] == "42S02"
    assert doc["data"]["errorCode"] == "002003"
    assert doc["data"]["queryId"]


# --- malformed requests ----------------------------------------------------------------------


def test_bad_json_query_body(server, token):
    assert_clean_failure(
        *request(server, "POST", query_path(), b"{this is not json", json_headers(token))
    )


def test_bad_json_login_body(server):
    path = f"{LOGIN_PATH}?request_id={uuid.uuid4()}"

    assert_clean_failure(*request(server, "POST", path, b"{nope", json_headers()))


def test_login_body_without_data(server):
    assert_clean_failure(
        *request(server, "POST", f"{LOGIN_PATH}?request_id={uuid.uuid4()}", b"{}", json_headers())
    )


def test_bad_gzip_body(server, token):
    headers = dict(json_headers(token), **{"Content-Encoding": "gzip"})

    assert_clean_failure(*request(server, "POST", query_path(), b"not gzip at all", headers))


def test_truncated_gzip_body(server, token):
    headers = dict(json_headers(token), **{"Content-Encoding": "gzip"})
    body = gzip.compress(query_body("select 1"))[:-12]

    assert_clean_failure(*request(server, "POST", query_path(), body, headers))


def test_empty_query_body(server, token):
    assert_clean_failure(*request(server, "POST", query_path(), b"", json_headers(token)))


def test_query_body_without_sql_text(server, token):
    assert_clean_failure(*request(server, "POST", query_path(), b"{}", json_headers(token)))


def test_query_without_token(server):
    headers = json_headers()  # no Authorization header at all

    assert_clean_failure(*request(server, "POST", query_path(), query_body("select 1"), headers))


def test_query_with_unknown_token(server):
    headers = json_headers("no-such-session-token")

    assert_clean_failure(*request(server, "POST", query_path(), query_body("select 1"), headers))


def test_query_with_malformed_authorization_header(server):
    headers = dict(json_headers(), Authorization="Basic Zm9vOmJhcg==")

    assert_clean_failure(*request(server, "POST", query_path(), query_body("select 1"), headers))


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/no/such/path"),
        ("POST", "/queries/v1/no-such-endpoint"),
        ("GET", "/_localstack/nope"),
    ],
)
def test_unknown_path_is_4xx(server, method, path):
    status, _ = request(server, method, path, b"{}" if method == "POST" else b"", json_headers())

    assert 400 <= status < 500, status


def test_garbage_instead_of_http(server):
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"THIS IS NOT HTTP AT ALL\r\n\r\n")
        try:
            sock.recv(4096)  # a 400 or a closed connection are both fine
        except (socket.timeout, ConnectionResetError):
            pass


def test_token_still_valid_after_malformed_requests(server, token):
    request(server, "POST", query_path(), b"{broken", json_headers(token))

    status, doc = request(server, "POST", query_path(), query_body("select 3"), json_headers(token))

    assert status == 200
    assert doc["success"] is True, doc


def test_a_resubmitted_request_runs_once(server, token):
    # A client that lost an answer sends the request again with the same requestId (the
    # connectors' retries): it gets the first run's answer, and the statement ran once.
    database = f"RESUBMIT_{uuid.uuid4().hex[:8]}"
    table = f"{database}.PUBLIC.T"
    for sql in (f"create database {database}", f"create table {table} (i int)"):
        doc = request(server, "POST", query_path(), query_body(sql), json_headers(token))[1]
        assert doc["success"], doc
    path = query_path()
    first = request(server, "POST", path, query_body(f"insert into {table} values (1)"), json_headers(token))[1]
    again = request(server, "POST", path + "&retryCount=1", query_body(f"insert into {table} values (1)"), json_headers(token))[1]
    assert first["success"] and again["success"], (first, again)
    assert again["data"]["queryId"] == first["data"]["queryId"]
    third = request(server, "POST", path + "&retryCount=2", query_body(f"insert into {table} values (1)"), json_headers(token))[1]
    assert third["data"]["queryId"] == first["data"]["queryId"]
    count = request(server, "POST", query_path(), query_body(f"select count(*) from {table}"), json_headers(token))[1]
    rows = count["data"].get("rowset")
    assert rows == [["1"]], count["data"]
    # A new request id runs again.
    request(server, "POST", query_path(), query_body(f"insert into {table} values (2)"), json_headers(token))
    count = request(server, "POST", query_path(), query_body(f"select count(*) from {table}"), json_headers(token))[1]
    assert count["data"]["rowset"] == [["2"]]
