"""Production refuses the development secret and a missing client; locally the token server is found from the
issuer, and `gotong up` hands the worker the demo supervisor's secret."""

import json

from grievance.bootstrap import local_environment
from grievance.config import DEV_MASTER_SECRET, Settings


def test_production_names_what_it_lacks():
    problems = Settings(gotong_env="production").production_problems()
    assert any("GRIEVANCE_MASTER_SECRET" in p for p in problems)
    assert any("GRIEVANCE_CLIENT_SECRET" in p for p in problems)
    assert DEV_MASTER_SECRET not in " ".join(problems)


def test_locally_the_token_endpoint_is_the_issuers():
    assert Settings(jwt_issuer="http://127.0.0.1:9100").token_endpoint == "http://127.0.0.1:9100/oauth2/token"
    assert Settings(jwt_issuer="http://x", grievance_token_url="http://t/token").token_endpoint == "http://t/token"
    assert Settings(gotong_env="production", jwt_issuer="http://x").token_endpoint == ""


def test_gotong_up_gives_the_worker_the_supervisor_client(tmp_path):
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "clients.json").write_text(json.dumps({"clients": [
        {"client_id": "ops-officer", "client_secret": "a"}, {"client_id": "supervisor", "client_secret": "b"}]}))
    assert local_environment(tmp_path) == {"GRIEVANCE_CLIENT_ID": "supervisor", "GRIEVANCE_CLIENT_SECRET": "b"}
    assert local_environment(tmp_path / "nowhere") == {"GRIEVANCE_CLIENT_ID": "supervisor"}
