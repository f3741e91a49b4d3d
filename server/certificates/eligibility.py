"""Who may receive which certificate: §§ 62, 63 PStG as data plus a few rules.

§ 62 Abs. 1 PStG: certificates go to the person the entry is about, their spouse or civil
partner, ancestors (Vorfahren) and descendants (Abkömmlinge) without more. Anyone else must make
a legal interest (rechtliches Interesse) credible; for the birth and death registers a sibling
only needs a legitimate interest (berechtigtes Interesse). Applicants must be over 16.
§ 62 Abs. 3: thirty years after the death of the last participant (birth: parents and child;
marriage: the spouses; civil partnership: the partners) a legitimate interest is enough for
everyone. § 5 Abs. 5: after the registers' keeping periods the entries go to the archive, and
archive law applies instead.
§ 63 Abs. 1: the certified register extract of an adopted child's birth entry goes only to the
adoptive parents and their parents, and to the child itself once over 16, until the child's death.

What the citizen must add follows from the outcome: nothing; an explanation (legitimate
interest); an explanation and a proof upload (legal interest). Whether a copy of an identity
document is needed is asked separately (``needs_id_copy``): an eID login at level "high" proves
who the applicant is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from server.certificates.documents import DOCUMENTS, DocumentKind, Register


class Relationship(StrEnum):
    """Who the applicant is to the person in the entry."""

    SELF = "selbst"
    SPOUSE = "ehegatte"  # spouse or civil partner
    ANCESTOR = "vorfahr"  # parent, grandparent, ...
    DESCENDANT = "abkoemmling"  # child, grandchild, ...
    SIBLING = "geschwister"
    OTHER = "andere"


class Outcome(StrEnum):
    ALLOWED = "allowed"  # nothing more is needed
    LEGITIMATE_INTEREST = "legitimate"  # explain the interest
    LEGAL_INTEREST = "legal"  # explain and prove the interest
    REFUSED = "refused"  # the law does not allow it
    ARCHIVE = "archive"  # the entry has gone to the city archive


# --- the law as data -------------------------------------------------------------------------

MINIMUM_AGE = 16
#: § 62 Abs. 1 Satz 1: these receive certificates without showing an interest.
WITHOUT_INTEREST = frozenset(
    {Relationship.SELF, Relationship.SPOUSE, Relationship.ANCESTOR, Relationship.DESCENDANT}
)
#: § 62 Abs. 1 Satz 2, second half: siblings need only a legitimate interest here.
SIBLING_LEGITIMATE = frozenset({Register.BIRTH, Register.DEATH})
#: § 62 Abs. 3: years after the last participant's death from which a legitimate interest suffices.
YEARS_AFTER_LAST_DEATH = 30
#: § 62 Abs. 3 names these registers (the death register is archived after 30 years anyway).
AFTER_DEATH_REGISTERS = frozenset({Register.BIRTH, Register.MARRIAGE, Register.PARTNERSHIP})
#: § 5 Abs. 5 Nr. 1-3 PStG: how long the registry office keeps each register.
KEEPING_YEARS = {
    Register.BIRTH: 110,
    Register.MARRIAGE: 80,
    Register.PARTNERSHIP: 80,
    Register.DEATH: 30,
}
#: § 63 Abs. 1: who receives an adopted child's birth register extract.
ADOPTION_EXTRACT = frozenset({Relationship.SELF, Relationship.ANCESTOR})


@dataclass(frozen=True)
class Facts:
    document: DocumentKind
    relationship: Relationship
    today: date
    applicant_birthdate: date | None = None
    #: Date of the birth, marriage, partnership or death in the entry (None: not known).
    event_date: date | None = None
    #: Date of death of the last of the entry's participants to die, if all have died.
    last_participant_died: date | None = None
    #: The person in a birth entry was adopted (asked only for birth register extracts).
    adopted: bool = False
    #: The person in the entry has died (ends the adoption restriction).
    person_deceased: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: object  # lazy translated text saying why
    legal_basis: str

    @property
    def possible(self) -> bool:
        return self.outcome not in (Outcome.REFUSED, Outcome.ARCHIVE)

    @property
    def needs_explanation(self) -> bool:
        return self.outcome in (Outcome.LEGITIMATE_INTEREST, Outcome.LEGAL_INTEREST)

    @property
    def needs_proof(self) -> bool:
        return self.outcome is Outcome.LEGAL_INTEREST


def years_between(earlier: date, later: date) -> int:
    """Completed years from ``earlier`` to ``later`` (29 February counts on 1 March)."""
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


def decide(facts: Facts) -> Decision:
    document = DOCUMENTS[facts.document]
    register = document.register

    if facts.applicant_birthdate is not None and (
        years_between(facts.applicant_birthdate, facts.today) < MINIMUM_AGE
    ):
        return Decision(
            Outcome.REFUSED,
            _l("Urkunden können erst ab 16 Jahren beantragt werden."),
            "§ 62 Abs. 1 Satz 3 PStG",
        )
    if register is Register.DEATH and facts.relationship is Relationship.SELF:
        return Decision(
            Outcome.REFUSED,
            _l("Eine Sterbeurkunde kann nicht für sich selbst beantragt werden."),
            "§ 62 Abs. 1 PStG",
        )
    if facts.event_date is not None and (
        years_between(facts.event_date, facts.today) >= KEEPING_YEARS[register]
    ):
        return Decision(
            Outcome.ARCHIVE,
            _l(
                "Einträge dieses Alters führt das Standesamt nicht mehr; sie liegen im "
                "Stadtarchiv. Bitte wenden Sie sich an das Stadtarchiv."
            ),
            "§ 5 Abs. 5, § 7 Abs. 3 PStG",
        )
    if (
        document.is_extract
        and facts.adopted
        and not facts.person_deceased
        and facts.relationship not in ADOPTION_EXTRACT
    ):
        return Decision(
            Outcome.REFUSED,
            _l(
                "Den beglaubigten Registerausdruck zur Geburt eines angenommenen Kindes erhalten "
                "nur die Annehmenden, deren Eltern und das Kind selbst. Eine Geburtsurkunde "
                "können Sie beantragen."
            ),
            "§ 63 Abs. 1 PStG",
        )
    if facts.relationship in WITHOUT_INTEREST:
        return Decision(
            Outcome.ALLOWED,
            _l("Sie erhalten die Urkunde ohne weiteren Nachweis Ihres Interesses."),
            "§ 62 Abs. 1 Satz 1 PStG",
        )
    if (
        register in AFTER_DEATH_REGISTERS
        and facts.last_participant_died is not None
        and years_between(facts.last_participant_died, facts.today) >= YEARS_AFTER_LAST_DEATH
    ):
        return Decision(
            Outcome.LEGITIMATE_INTEREST,
            _l(
                "Alle Beteiligten sind seit mehr als 30 Jahren verstorben: Es genügt, dass Sie "
                "ein berechtigtes Interesse darlegen (zum Beispiel Familienforschung)."
            ),
            "§ 62 Abs. 3 PStG",
        )
    if facts.relationship is Relationship.SIBLING and register in SIBLING_LEGITIMATE:
        return Decision(
            Outcome.LEGITIMATE_INTEREST,
            _l(
                "Als Geschwister genügt es, dass Sie ein berechtigtes Interesse darlegen "
                "(zum Beispiel die Regelung des Nachlasses)."
            ),
            "§ 62 Abs. 1 Satz 2 PStG",
        )
    return Decision(
        Outcome.LEGAL_INTEREST,
        _l(
            "Sie brauchen ein rechtliches Interesse: Erklären Sie, wofür Sie die Urkunde "
            "brauchen, und laden Sie einen Nachweis hoch (zum Beispiel ein Schreiben des "
            "Nachlassgerichts, eines Gerichts oder einer Behörde, das die Urkunde anfordert)."
        ),
        "§ 62 Abs. 1 Satz 2 PStG",
    )


def needs_id_copy(trust_level: str | None) -> bool:
    """An eID login at level "high" identifies the applicant; anyone else sends an ID copy."""
    return trust_level != "high"
