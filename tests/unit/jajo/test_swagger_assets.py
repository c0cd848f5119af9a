"""/docs loads Swagger UI from the service itself (npm's swagger-ui-dist), never from a CDN."""

from jajo.config import Settings
from jajo.http.app import SWAGGER_UI, create_service_app


def test_docs_use_the_local_swagger_ui():
    assert (SWAGGER_UI / "swagger-ui-bundle.js").exists(), "run `npm ci` (make test does)"
    client = create_service_app("registration", [], lambda settings: None, Settings()).test_client()
    docs = client.get("/docs")
    page = docs.get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page and "cdn." not in page and "https://" not in page
    assert "http" not in docs.headers["Content-Security-Policy"]  # nothing outside the service is allowed either
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.mimetype in ("text/javascript", "application/javascript")
    asset.close()
