"""The phone in the field, as its requests show it: the service worker, the manifest,
the outbox page, the pack page kept for crates never opened, and replays of actions
from a phone's outbox, refused ones included."""

import json
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import ClientEvent, Role
from inventory.models import CrateState, StockMovement
from tests.pages import page_without_csrf


@pytest.fixture
def site(make_site: Any) -> Any:
    return make_site(name="Entrepôt Nord")


@pytest.fixture
def phone(login: Any, make_user: Any, site: Any) -> Any:
    return login(make_user(Role.VOLUNTEER, sites=[site]))


def test_the_service_worker_keeps_the_shell_under_the_release_and_is_never_cached(
    client: Any,
) -> None:
    response = client.get("/sw.js")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert body.startswith("self.RELAIS = {")
    for url in ("/inventory/scan", "/inventory/pack", "/outbox", "/static/js/vendor/jsqr.min.js"):
        assert f'"{url}' in body
    release = client.application.extensions["relais_shell_release"]
    assert f'"release": "{release}"' in body and len(release) == 12


def test_the_manifest_installs_the_scan_page(client: Any) -> None:
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "en"})
    manifest = response.get_json(force=True)
    assert response.mimetype == "application/manifest+json"
    assert manifest["start_url"] == "/inventory/scan"
    assert manifest["display"] == "standalone" and manifest["short_name"] == "Relais"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert "maskable" in icon["purpose"]
        assert client.get(icon["src"]).status_code == 200


def test_every_page_links_the_manifest_and_the_outbox(phone: Any) -> None:
    html = phone.get("/inventory/scan").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert "data-outbox-count" in html and 'role="alert"' in html
    assert "/static/js/outbox.js" in html and "data-recent-crates" in html


def test_the_outbox_page_is_for_signed_in_people(client: Any, phone: Any) -> None:
    assert client.get("/outbox").status_code == 302
    page = phone.get("/outbox", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "data-outbox-page" in page.get_data(as_text=True)
    assert "Nothing waits to be sent." in page.get_data(as_text=True)


def test_the_pack_page_without_a_crate_carries_the_catalogue(phone: Any, make_item: Any) -> None:
    item = make_item(name_en="Blanket")
    html = phone.get("/inventory/pack", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "data-pack-shell" in html and "Pack crate …" in html
    assert f'value="{item.id}"' in html


def test_a_pack_sent_after_someone_else_packed_the_crate_is_refused(
    phone: Any, make_crate: Any, site: Any, make_item: Any, db_session: Any
) -> None:
    crate = make_crate(site=site)
    item = make_item()
    form = {
        "site_id": str(site.id),
        "row": "r1",
        "item_id-r1": str(item.id),
        "quantity-r1": "3",
        "event_id": uuid.uuid4().hex,
    }
    response = phone.post(f"/inventory/crates/{crate.code}/pack", data=form)
    assert response.status_code == 409
    assert "already packed" in response.get_data(as_text=True)


def test_a_refused_action_sent_again_is_refused_the_same_way(
    phone: Any, make_crate: Any, site: Any, db_session: Any
) -> None:
    crate = make_crate(site=site)
    crate.state = CrateState.DISTRIBUTED
    db_session.commit()
    form = {"event_id": uuid.uuid4().hex, "confirmed": "yes"}
    answers = [
        phone.post(f"/inventory/crates/{crate.code}/distribute", data=form) for _ in range(3)
    ]
    assert {answer.status_code for answer in answers} == {409}
    assert len({page_without_csrf(answer) for answer in answers}) == 1
    recorded = db_session.scalar(
        select(func.count())
        .select_from(ClientEvent)
        .where(ClientEvent.event_id == form["event_id"])
    )
    assert recorded == 1


def test_the_same_action_sent_three_times_counts_once(
    phone: Any, make_crate: Any, site: Any, db_session: Any
) -> None:
    crate = make_crate(site=site)
    before = db_session.scalar(select(func.count()).select_from(StockMovement))
    form = {"event_id": uuid.uuid4().hex, "confirmed": "yes"}
    answers = [
        phone.post(f"/inventory/crates/{crate.code}/distribute", data=form) for _ in range(3)
    ]
    assert {answer.status_code for answer in answers} == {303}
    db_session.refresh(crate)
    assert crate.state == CrateState.DISTRIBUTED
    assert db_session.scalar(select(func.count()).select_from(StockMovement)) == before + 1


def test_the_service_workers_background_fetch_sets_no_cookie(phone: Any) -> None:
    """It carries the cookie of its start: answered after the person chose their site
    (or signed in), its cookie would put their older session back."""
    assert "Set-Cookie" in phone.get("/inventory/scan").headers
    kept = phone.get("/inventory/scan", headers={"X-Relais-Keep": "1"})
    assert kept.status_code == 200 and "Set-Cookie" not in kept.headers


SHELL = ["/inventory/scan", "/inventory/pack", "/outbox"]


@pytest.mark.parametrize(
    ("role", "kept"),
    [
        (Role.ADMIN, SHELL),
        (Role.COORDINATOR, SHELL),
        (Role.VOLUNTEER, SHELL),
        (Role.TREASURER, ["/outbox"]),
        (Role.HOSTING_COORDINATOR, ["/outbox"]),
    ],
)
def test_a_phone_keeps_the_shell_pages_its_person_may_open(
    login: Any, make_user: Any, role: Role, kept: list[str]
) -> None:
    """Each page tells the service worker what to keep for the person signed in; every
    page it names opens for them, and every shell page it leaves out is refused."""
    person = login(make_user(role))
    html = person.get("/outbox").get_data(as_text=True)
    match = re.search(r'data-keep="([^"]*)"', html)
    assert match is not None and match.group(1).split() == kept
    for url in SHELL:
        assert person.get(url).status_code == (200 if url in kept else 403)


def test_a_signed_out_page_names_no_pages_to_keep(client: Any) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "data-keep" not in html


def test_the_service_worker_is_the_same_for_everyone(
    client: Any, login: Any, make_user: Any
) -> None:
    """It is fetched once per phone, whoever is signed in: the shell it knows is whole,
    and pages say which of it their person keeps."""
    signed_out = client.get("/sw.js").get_data()
    assert login(make_user(Role.TREASURER)).get("/sw.js").get_data() == signed_out
    settings = json.loads(signed_out.decode().split("\n", 1)[0].removeprefix("self.RELAIS = ")[:-1])
    assert settings["pages"] == SHELL
