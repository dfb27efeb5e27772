"""Reads compiled once per process (portal/prepared.py) give the rows their queryset gives,
read the database afresh on every call, and refuse what they cannot run safely."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from intake.models import Intake
from portal.prepared import columns, instance_from, prepared_values
from tests.factories import PatientFactory, ScoredIntakeFactory

FIELDS = ("pk", "status", "submitted_at", "answers", "patient__email")


def visits_of(*, patient_id: int, other_ids: list[int]) -> QuerySet:
    return (
        Intake.objects.filter(patient_id=patient_id)
        .exclude(pk__in=other_ids)
        .values(*FIELDS)
        .order_by("pk")
    )


def counted(build):
    """`build`, prepared, with how many times it was built (compiled)."""
    calls = []

    def building(**ids):
        calls.append(ids)
        return build(**ids)

    return prepared_values(building), calls


@pytest.mark.django_db
def test_it_gives_the_rows_the_queryset_gives_with_json_and_datetimes_converted():
    patient = PatientFactory()
    kept, dropped = ScoredIntakeFactory(patient=patient), ScoredIntakeFactory(patient=patient)
    ScoredIntakeFactory()  # another patient's
    read, _ = counted(visits_of)

    rows = read(patient_id=patient.pk, other_ids=[dropped.pk, dropped.pk])
    assert rows == list(visits_of(patient_id=patient.pk, other_ids=[dropped.pk]))
    assert [row["pk"] for row in rows] == [kept.pk]
    assert isinstance(rows[0]["answers"], dict) and rows[0]["answers"] == kept.answers
    assert rows[0]["submitted_at"] == kept.submitted_at  # an aware datetime, not text
    assert rows[0]["patient__email"] == patient.email


@pytest.mark.django_db
def test_it_compiles_once_for_each_length_of_list_and_reads_afresh_every_time():
    patient = PatientFactory()
    first = ScoredIntakeFactory(patient=patient)
    read, calls = counted(visits_of)

    assert [r["pk"] for r in read(patient_id=patient.pk, other_ids=[0])] == [first.pk]
    second = ScoredIntakeFactory(patient=patient)
    Intake.objects.filter(pk=first.pk).update(status=Intake.Status.REVIEWED)
    rows = read(patient_id=patient.pk, other_ids=[0])
    # Nothing of the first answer was kept: the new row and the changed status are read.
    assert [(r["pk"], r["status"]) for r in rows] == [
        (first.pk, Intake.Status.REVIEWED),
        (second.pk, Intake.Status.SUBMITTED),
    ]
    assert len(calls) == 1

    assert [r["pk"] for r in read(patient_id=patient.pk, other_ids=[first.pk, 0])] == [second.pk]
    assert len(calls) == 2  # two ids in the list: another SQL statement
    assert read(patient_id=PatientFactory().pk, other_ids=[second.pk]) == []
    assert len(calls) == 2


@pytest.mark.django_db
def test_it_matches_nothing_for_an_empty_list_as_the_orm_does():
    intake = ScoredIntakeFactory()

    def these(*, ids: list[int]) -> QuerySet:
        return Intake.objects.filter(pk__in=ids).values("pk")

    read = prepared_values(these)
    assert read(ids=[]) == []
    assert read(ids=[intake.pk]) == [{"pk": intake.pk}]


@pytest.mark.django_db
def test_it_finds_nothing_for_an_id_too_big_for_any_column_as_the_orm_does():
    intake = ScoredIntakeFactory()

    def one(*, pk: int) -> QuerySet:
        return Intake.objects.filter(pk=pk).values("pk")

    read = prepared_values(one)
    # An id typed into an address (/intake/<pk>/) is an exact lookup of a primary key.
    assert read(pk=10**30) == []
    assert read(pk=intake.pk) == [{"pk": intake.pk}]


def test_it_takes_ids_only():
    read = prepared_values(visits_of)
    for wrong in (
        {"patient_id": "7", "other_ids": []},
        {"patient_id": 7, "other_ids": [1.5]},
        {"patient_id": 7, "other_ids": ""},  # no list, though it has no items either
    ):
        with pytest.raises(TypeError, match="ids"):
            read(**wrong)
    with pytest.raises(TypeError, match="ids"):
        read(patient_id=True, other_ids=[])  # a bool is an int to Python, not an id


@pytest.mark.django_db
def test_it_refuses_a_read_whose_id_does_not_reach_the_sql_or_that_gives_instances():
    def ignores(*, pk: int) -> QuerySet:
        return Intake.objects.values("pk")

    with pytest.raises(ValueError, match="did not become a parameter"):
        prepared_values(ignores)(pk=1)

    def instances(*, pk: int) -> QuerySet:
        return Intake.objects.filter(pk=pk)

    with pytest.raises(TypeError, match="values"):
        prepared_values(instances)(pk=1)


@pytest.mark.django_db(transaction=True)
def test_it_locks_only_inside_a_transaction_every_time_not_only_when_compiling():
    intake = ScoredIntakeFactory()

    def locked(*, pk: int) -> QuerySet:
        return Intake.objects.select_for_update().filter(pk=pk).values(*columns(Intake))

    read = prepared_values(locked)
    with transaction.atomic():
        row = read(pk=intake.pk)[0]
    # Compiled in the transaction above, so the ORM's own check is behind it: the read's refuses.
    for _ in range(2):
        with pytest.raises(TransactionManagementError):
            read(pk=intake.pk)
    made = instance_from(Intake, row)
    assert (made.pk, made.answers, made.peg_score) == (intake.pk, intake.answers, intake.peg_score)
    assert not made._state.adding  # saved as an update, as a loaded instance is
    made.last_step = "pain"
    made.save(update_fields=["last_step"])
    intake.refresh_from_db()
    assert intake.last_step == "pain"
