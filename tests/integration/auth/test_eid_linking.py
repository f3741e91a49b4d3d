"""An eID login of a citizen logged in with a password links the eID to that account."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from sqlalchemy import select
from werkzeug.test import TestResponse

from server.auth.models import Citizen
from server.extensions import db
from tests.checking_client import CheckingClient
from tests.conftest import empty_all_tables
from tests.integration.accounts_helpers import log_in, log_out, registered_account, text_of
from tests.integration.auth.test_eid_login import CALLBACK, Portal, portal_for
from tests.peers.oidc.fixtures import OidcProvider
from tests.threads import Wait, together


@pytest.fixture(autouse=True)
def clean_tables(backend: str) -> Iterator[None]:
    yield
    empty_all_tables(backend)


@pytest.fixture
def portal(backend: str, oidc_provider: OidcProvider) -> Portal:
    op = oidc_provider.start(
        redirect_uris=[CALLBACK], post_logout_redirect_uris=["http://localhost/konto"]
    )
    return portal_for(backend, op)


def test_eid_login_links_the_eid_to_the_password_account(portal: Portal) -> None:
    client = portal.client()
    registered_account(portal.app, client, "erika@example.org")
    assert log_in(client, "erika@example.org").status_code == 302
    before = text_of(client.get("/konto"))
    assert "nicht verknüpft" in before
    assert "Online-Ausweis verknüpfen" in before

    response, _ = portal.login(client, "erika")
    assert response.status_code == 302
    account = text_of(client.get("/konto"))
    assert "Angemeldet mit dem Online-Ausweis" in account
    assert "Online-Ausweis verknüpft" in account
    assert "Erika Mustermann" in account
    assert "erika@example.org" in account
    with portal.app.app_context():
        [citizen] = db.session.scalars(select(Citizen)).all()
        assert citizen.has_eid
        assert citizen.has_password
    # The verified data are not edited by hand any more.
    assert "kommen aus Ihrem Online-Ausweis" in text_of(client.get("/konto/daten"))

    # Later, the password alone logs in to the same account, at the trust level of a password.
    log_out(client)
    other = portal.client()
    assert log_in(other, "erika@example.org").status_code == 302
    page = text_of(other.get("/konto"))
    assert "Angemeldet mit E-Mail-Adresse und Passwort" in page
    assert "niedrig" in page


def test_an_eid_of_another_account_is_not_linked(portal: Portal) -> None:
    first = portal.client()
    portal.login(first, "erika")  # the eID account of Erika exists
    client = portal.client()
    registered_account(portal.app, client, "someone@example.org")
    assert log_in(client, "someone@example.org").status_code == 302

    response, _ = portal.login(client, "erika")
    assert response.status_code == 409
    assert "gehört bereits zu einem anderen Konto" in text_of(response)
    account = text_of(client.get("/konto"))
    assert "Angemeldet mit E-Mail-Adresse und Passwort" in account
    assert "nicht verknüpft" in account


def test_linking_while_the_same_eid_logs_in_elsewhere_gives_the_eid_one_record(
    portal: Portal,
) -> None:
    """Erika links her eID to her password account on the laptop while her phone, never logged
    in, finishes an eID login at the same moment: whichever wins, the eID has one record, the
    other device gets a page that says what happened, never an error."""
    laptop = portal.client()
    registered_account(portal.app, laptop, "erika@example.org")
    assert log_in(laptop, "erika@example.org").status_code == 302
    phone = portal.client()
    callbacks = [
        portal.op.authorize(requests.Session(), portal.start(device), "erika")
        for device in (laptop, phone)
    ]

    def finish(device: CheckingClient, callback: str) -> Callable[[Wait], TestResponse]:
        def action(wait: Wait) -> TestResponse:
            wait()
            return portal.callback(device, callback)

        return action

    linked, first_login = together([finish(laptop, callbacks[0]), finish(phone, callbacks[1])])
    assert first_login.status_code == 302
    with portal.app.app_context():
        records = db.session.scalars(select(Citizen).order_by(Citizen.id)).all()
        with_eid = [citizen for citizen in records if citizen.has_eid]
        assert len(with_eid) == 1
        if linked.status_code == 302:  # the link came first: the phone logged in to the account
            assert [citizen.has_password for citizen in records] == [True]
        else:  # the phone's record came first: the account stays without the eID
            assert linked.status_code == 409
            assert "gehört bereits zu einem anderen Konto" in text_of(linked)
            assert [citizen.has_password for citizen in records] == [True, False]
    assert "Erika Mustermann" in text_of(phone.get("/konto"))
