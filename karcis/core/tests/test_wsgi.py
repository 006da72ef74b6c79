from karcis.wsgi import client_address_from_proxy


def _seen_address(environ):
    seen = {}

    def app(env, start_response):
        seen["address"] = env["REMOTE_ADDR"]
        return []

    client_address_from_proxy(app)(environ, lambda *a: None)
    return seen["address"]


def test_forwarded_address_is_believed_only_from_a_trusted_proxy():
    assert (
        _seen_address({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.1.2.3"})
        == "10.1.2.3"
    )
    assert (
        _seen_address({"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "10.1.2.3"})
        == "203.0.113.9"
    )
    assert _seen_address({"REMOTE_ADDR": "127.0.0.1"}) == "127.0.0.1"
