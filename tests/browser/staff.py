"""What the browser journeys share about staff: their password and the sign-in at /login/."""

import re

PASSWORD = "rahasia-123"


def sign_in(page, base_url: str, email: str) -> None:
    """Sign a staff member in at /login/ and wait for the desk, where staff land."""
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/desk/"))
