def test_health_answers_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_home_redirects_anonymous_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_home_greets_signed_in_person(client, org, login_as):
    login_as(org.agent)
    response = client.get("/")
    assert response.status_code == 200
    assert "Agent1" in response.get_data(as_text=True)
