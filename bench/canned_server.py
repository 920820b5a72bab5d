"""The "canned response" floor: a minimal HTTP/1.1 responder speaking just enough of Snowflake's
client protocol for a connector to log in and run `select 1`.

Every query gets the same answer: the bytes Snowglobe itself sends for `select 1` to a Python
client (an Arrow rowset), captured once into `bench/canned/select1.json`; logins get the captured
`bench/canned/login.json`. So the time a client spends against this server is the cost of the
client library, HTTP and JSON/Arrow decoding alone, with no SQL work at all.

It is deliberately tiny and single-threaded (asyncio, keep-alive, `Content-Length` bodies; gzip
request bodies are read and ignored). Run it standalone:

    python bench/canned_server.py --port 18080
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

CANNED = Path(__file__).resolve().parent / "canned"

OK_EMPTY = b'{"success": true, "code": null, "message": null, "data": null}'


def load_bodies() -> dict[str, bytes]:
    """Response body per request path (query string stripped)."""
    select1 = (CANNED / "select1.json").read_bytes()
    return {
        "/session/v1/login-request": (CANNED / "login.json").read_bytes(),
        "/queries/v1/query-request": select1,
        "/session": OK_EMPTY,  # logout: POST /session?delete=true
        "/session/heartbeat": b'{"success": true, "data": {}}',
        "/telemetry/send": b'{"success": true}',
        "/_localstack/health": b'{"services": {"snowflake": "running"}}',
    }


async def serve_connection(reader, writer, bodies: dict[str, bytes]) -> None:
    """Answers requests on one keep-alive connection until the client closes it."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            path = request_line.split(" ")[1].split("?")[0]
            length = 0
            for line in header_lines:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            body = bodies.get(path)
            status = b"200 OK" if body is not None else b"404 Not Found"
            body = body if body is not None else b"{}"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(host: str, port: int) -> None:
    bodies = load_bodies()
    server = await asyncio.start_server(
        lambda r, w: serve_connection(r, w, bodies), host, port
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        asyncio.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
