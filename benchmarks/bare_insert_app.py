"""The baselines of ``benchmarks.http_api`` and ``benchmarks.http_lists``: bare
Flask endpoints doing one raw INSERT, or one raw SELECT of 20 rows.

``POST /notes/<ref>`` with a JSON body ``{"note": "..."}`` parses the body,
inserts one row with psycopg and answers 201 with the new row's id. One
connection per worker thread (with gunicorn's sync workers: one per worker
process), opened on the first request. No authentication, no validation
beyond "note is a string", no ORM.

Served by gunicorn exactly like rectify::

    BARE_INSERT_DSN=postgresql://postgres@127.0.0.1:5432/db \\
      gunicorn -w 2 'benchmarks.bare_insert_app:app'

The table (:data:`CREATE_TABLE`) is created by the benchmark beforehand.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import psycopg
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_notes (
    id bigserial PRIMARY KEY,
    ref text NOT NULL,
    note text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
INSERT = "INSERT INTO bench_notes (ref, note) VALUES (%s, %s) RETURNING id"
PAGE = "SELECT id, ref, note, created_at FROM bench_notes ORDER BY id DESC LIMIT 20 OFFSET %s"

app = Flask(__name__)
_local = threading.local()


def _connection() -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(os.environ["BARE_INSERT_DSN"], autocommit=False)
        _local.conn = conn
    return conn


@app.post("/notes/<ref>")
def add_note(ref: str) -> ResponseReturnValue:
    body = request.get_json(silent=True)
    note = body.get("note") if isinstance(body, dict) else None
    if not isinstance(note, str):
        return jsonify({"code": 422, "message": "note is a string"}), 422
    conn = _connection()
    with conn.transaction():
        row = conn.execute(INSERT, (ref, note)).fetchone()
    assert row is not None
    return jsonify({"id": row[0], "ref": ref}), 201


@app.get("/notes")
def list_notes() -> ResponseReturnValue:
    """The list baseline: one page of 20 rows (``?page=N``), as JSON."""
    page = max(1, request.args.get("page", default=1, type=int) or 1)
    conn = _connection()
    with conn.transaction():
        rows = conn.execute(PAGE, ((page - 1) * 20,)).fetchall()
    items = [{"id": i, "ref": ref, "note": note, "created_at": at.isoformat()} for i, ref, note, at in rows]
    return jsonify({"items": items, "page": page})


@app.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify({"status": "ok"})
