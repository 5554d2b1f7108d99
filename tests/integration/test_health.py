from fastapi.testclient import TestClient


def test_healthz_reports_database_reachable(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_document_is_3_1_and_lists_the_public_paths(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for path in ("/api/v1/threads", "/api/v1/comments", "/api/v1/comments/{comment_id}",
                 "/api/v1/comments/{comment_id}/vote", "/api/v1/counts", "/api/v1/auth/register",
                 "/api/v1/auth/login", "/api/v1/auth/magic-link", "/api/v1/auth/logout", "/api/v1/me"):
        assert path in document["paths"], path


def test_browsable_docs_page(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_unknown_path_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
