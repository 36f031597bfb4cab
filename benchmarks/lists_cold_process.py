"""One cold process making N list requests in process (docs/benchmarks.md §8).

    python benchmarks/lists_cold_process.py ROOT DATABASE 0     # once: tokens into the data dir
    python benchmarks/lists_cold_process.py ROOT DATABASE 1000  # the measured run

ROOT is the checkout whose code is imported (so two commits can be compared
side by side with ``farm-bench --vs``); DATABASE a PostgreSQL database on
127.0.0.1 loaded with ``rectify demo`` (data dir ``/tmp/prof/DATABASE``).
Pages are spread over the store; every other request is ``unit=<county>`` by
that county's handler, the rest unfiltered by the admin.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def main(root: str, db: str, n: int) -> None:
    sys.path.insert(0, root)
    settings_module = importlib.import_module("services.settings")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
    data = Path(f"/tmp/prof/{db}")
    tokens_file = data / "tokens.json"
    if n == 0:
        admin, handlers = importlib.import_module("benchmarks.http_api").demo_tokens(url, data, "lists")
        tokens_file.write_text(json.dumps({"admin": admin, "handlers": handlers}))
        return
    create_app = importlib.import_module("web.app").create_app
    tokens = json.loads(tokens_file.read_text())
    client = create_app(settings_module.Settings(data_dir=data, database_url=url)).test_client()
    counties = sorted(tokens["handlers"])
    for k in range(n):
        page = (k * 7) % 12 + 1
        if k % 2:
            county = counties[k % len(counties)]
            path = f"/api/v1/issues?unit={county}&per_page=20&page={page % 3 + 1}"
            token = tokens["handlers"][county]
        else:
            path, token = f"/api/v1/issues?per_page=20&page={page}", tokens["admin"]
        answer = client.get(path, headers={"Authorization": "Bearer " + token})
        assert answer.status_code == 200, answer.data[:200]
        assert answer.get_json()["items"], (k, answer.get_json()["total"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
