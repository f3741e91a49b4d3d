"""A step's answers are saved into the draft as it is when they arrive
(``server.forms.drafts.save_step``): a step sent on another device after this request read the
draft stays, and the fields of this step replace only their own answers."""

from __future__ import annotations

from flask import Flask

from server.extensions import db
from server.forms import drafts
from server.forms.engine import FormDefinition, Step
from server.forms.models import FormDraft
from server.forms.registry import get_definition
from tests.integration.forms.test_forms import make_citizen
from tests.threads import Wait, together


def kita() -> tuple[FormDefinition, Step, Step]:
    definition = get_definition("kita-anmeldung")
    assert definition is not None
    kind, eltern = definition.step("kind"), definition.step("eltern")
    assert kind is not None
    assert eltern is not None
    return definition, kind, eltern


def test_a_step_sent_elsewhere_after_the_draft_was_read_is_kept(app: Flask) -> None:
    definition, kind, eltern = kita()
    citizen_id = make_citizen(app)
    with app.test_request_context("/"):
        draft = drafts.open_draft(definition, citizen_id)
        assert drafts.save_step(draft, kind, {"kind_vorname": ["Mia"]})
    with app.test_request_context("/"):
        read_here = drafts.open_draft(definition, citizen_id)  # this request's read

        def other_device(_wait: Wait) -> None:
            with app.test_request_context("/"):
                there = drafts.open_draft(definition, citizen_id)
                assert drafts.save_step(there, eltern, {"eltern_vorname": ["Erika"]})

        together([other_device])
        assert drafts.save_step(read_here, kind, {"kind_vorname": ["Lea"]})
    with app.app_context():
        saved = db.session.get(FormDraft, read_here.id)
        assert saved is not None
        assert saved.answers == {"kind_vorname": ["Lea"], "eltern_vorname": ["Erika"]}
        assert saved.revision == 4  # created 1, three steps saved
        assert saved.step == "kind"


def test_a_step_replaces_its_own_answers_and_keeps_the_others(app: Flask) -> None:
    definition, kind, eltern = kita()
    citizen_id = make_citizen(app)
    with app.test_request_context("/"):
        draft = drafts.open_draft(definition, citizen_id)
        drafts.save_step(draft, eltern, {"eltern_vorname": ["Erika"]})
        drafts.save_step(draft, kind, {"kind_vorname": ["Mia"], "kind_nachname": ["Muster"]})
        # Sent again without a name: an emptied field is not kept from before.
        assert drafts.save_step(draft, kind, {"kind_vorname": ["Lea"]})
        assert draft.answers == {"eltern_vorname": ["Erika"], "kind_vorname": ["Lea"]}
