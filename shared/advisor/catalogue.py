"""What an import learns about a recommendation type, lent to the rows of exports without it.

The portal's CSV has no recommendation type id, solution or Learn link; the API has all three.
Once an import (or any export with those columns) has seen a recommendation, the rows of a
later CSV with the same recommendation text get them too, so "how to fix" is there whichever
way a month came in. Keyed by the recommendation's text as findings compare it
(identity.normalised_text). Only Advisor's own texts for the type are kept, nothing of a
client's resources. Pure: the blob that keeps it is storage's (storage/catalogue.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared.advisor.identity import normalised_text
from shared.advisor.model import Recommendation

Entry = dict[str, str]  # {"typeId", "solution", "learnMoreLink"}
MAX_ENTRIES = 5_000  # Advisor has a few hundred recommendation types; a bound all the same


def learn(records: Iterable[Recommendation]) -> dict[str, Entry]:
    """The entries the records teach: those with a type id and a solution or Learn link."""
    out: dict[str, Entry] = {}
    for rec in records:
        if rec.recommendation_type_id and (rec.solution or rec.learn_more_link):
            key = normalised_text(rec.recommendation)
            if key not in out:
                out[key] = {"typeId": rec.recommendation_type_id, "solution": rec.solution,
                            "learnMoreLink": rec.learn_more_link}
    return out


def merged(known: Mapping[str, Entry], learnt: Mapping[str, Entry]) -> dict[str, Entry]:
    """The catalogue with what was learnt: a newer text of a type replaces the older."""
    out = {**known, **learnt}
    return dict(list(out.items())[-MAX_ENTRIES:])


def enrich(records: list[Recommendation], known: Mapping[str, Entry]) -> list[Recommendation]:
    """The records, those without a type id given what the catalogue knows of their text
    (a field the row has stays as it is)."""
    if not known:
        return records
    out = records
    for index, rec in enumerate(records):
        if rec.recommendation_type_id:
            continue
        entry = known.get(normalised_text(rec.recommendation))
        if entry is None:
            continue
        if out is records:
            out = list(records)  # copied once, when the first row changes
        out[index] = rec._replace(
            recommendation_type_id=entry["typeId"], solution=rec.solution or entry["solution"],
            learn_more_link=rec.learn_more_link or entry["learnMoreLink"])
    return out
