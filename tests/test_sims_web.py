from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factory import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client):
    client.force_login(make_user())
    return client


@pytest.mark.parametrize("kind", ["tumbling", "sliding", "stagger", "flink", "kpl"])
def test_each_lab_renders_its_example(client_in, kind):
    response = client_in.get(reverse("lab_detail", args=[kind]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and "<title>" in html
    assert "<table" in html
