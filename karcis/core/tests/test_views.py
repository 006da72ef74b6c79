from django.conf import settings


def test_login_sets_the_users_language(client, agent):
    agent.language = "en"
    agent.save(update_fields=["language"])
    response = client.post("/login/", {"username": agent.email, "password": "rahasia-123"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Tickets" in client.get("/desk/").content.decode()


def test_wrong_password_is_a_clear_error_in_indonesian(client, agent):
    response = client.post("/login/", {"username": agent.email, "password": "salah"})
    assert response.status_code == 400
    assert "tidak cocok" in response.content.decode()


def test_home_sends_people_where_they_work(client, agent, customer, org):
    assert client.get("/").url == f"/portal/{org.slug}/"
    client.force_login(agent)
    assert client.get("/").url == "/desk/"
    client.force_login(customer)
    assert client.get("/").url == f"/portal/{org.slug}/my-tickets/"
