"""`python -m disbursement [--port 8102]`: the service alone (what `gotong serve disbursement` runs), without
loading the launcher and the other services — a small worker for fault-injection tests."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8102, show_default=True)
def main(host: str, port: int) -> None:
    import uvicorn

    from disbursement.bootstrap import create_app
    from disbursement.config import Settings

    uvicorn.run(create_app(Settings()), host=host, port=port, log_config=None, access_log=False,
                timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
