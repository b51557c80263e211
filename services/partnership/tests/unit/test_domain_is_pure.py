"""The domain does no I/O: its modules import no database, broker, web or HTTP library."""

import ast
from pathlib import Path

import partnership.domain

BANNED = ("sqlalchemy", "asyncpg", "aiokafka", "fastapi", "httpx", "starlette", "partnership.application",
          "partnership.entrypoints", "partnership.tables")


def test_domain_modules_import_nothing_that_does_io():
    folder = Path(partnership.domain.__file__).parent
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in imported if m.startswith(BANNED)], path.name
