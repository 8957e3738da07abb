"""Reading pages as a person would compare them."""

import re

from werkzeug.test import TestResponse

CSRF_TOKEN = re.compile(r'(X-CSRFToken": "|name="csrf_token" value=")[^"]+')


def page_without_csrf(response: TestResponse) -> str:
    """The page as its reader sees it: its CSRF tokens are signed with the current
    second, so two answers a second apart differ only there."""
    return CSRF_TOKEN.sub(r"\1…", response.get_data(as_text=True))
