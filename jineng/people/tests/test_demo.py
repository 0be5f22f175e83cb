import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jineng.accounts.models import User
from jineng.core.models import AuditEvent
from jineng.core.validators import parse_citizen_id, validate_credit_code
from jineng.organizations.models import Organization
from jineng.people.models import Affiliation, Person, TargetGroupMembership
from jineng.people.synth import generate_people


def counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "organisations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": TargetGroupMembership.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_demo_builds_the_city_and_a_second_run_adds_nothing(city, target_groups, capsys):
    # pytest-django runs with DEBUG off, where the demo needs --force.
    call_command("demo", "--people", "60", "--force")
    first = counts()

    call_command("demo", "--people", "60", "--force")

    assert counts() == first
    assert first["people"] == 60
    assert first["organisations"] == 20
    assert first["affiliations"] > 0
    assert first["memberships"] > 0
    assert not Person.objects.filter(is_synthetic=False).exists()
    assert not Organization.objects.filter(is_synthetic=False).exists()
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert kinds == {
        "technical_school",
        "vocational_school",
        "private_training",
        "public_training_base",
        "evaluation_body",
        "social_evaluation_org",
        "enterprise",
    }
    for code in Organization.objects.values_list("credit_code", flat=True):
        assert validate_credit_code(code) == code
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": "bureau_admin",
        "admin2": "bureau_admin",
        "reviewer": "reviewer",
        "reviewer2": "reviewer",
        "auditor": "auditor",
        "finance1": "finance",
        "school1": "institution_staff",
        "evaluator1": "evaluator",
        "employer1": "employer",
        "worker1": "worker",
    }
    school1 = User.objects.get(username="school1")
    assert school1.organization.kind == "technical_school"
    assert User.objects.get(username="evaluator1").organization.kind == "evaluation_body"
    assert User.objects.get(username="employer1").organization.kind == "enterprise"
    assert User.objects.get(username="worker1").person.is_synthetic
    assert User.objects.get(username="admin").check_password("jineng-demo-2025")
    assert "jineng-demo-2025" in capsys.readouterr().out


def test_demo_refuses_to_run_without_regions(db):
    with pytest.raises(CommandError, match="load-reference"):
        call_command("demo", "--people", "5", "--force")


def test_demo_refuses_production_without_force(city, target_groups, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="JINENG_DEBUG"):
        call_command("demo", "--people", "5")

    assert not User.objects.exists()


def test_synth_inserts_n_valid_synthetic_people(city, target_groups):
    call_command("synth", "--people", "80", "--seed", "7")

    people = list(Person.objects.all())
    assert len(people) == 80
    assert all(p.is_synthetic for p in people)
    today = timezone.localdate()
    for person in people:
        citizen = parse_citizen_id(person.id_number)
        assert (citizen.birth_date, citizen.sex) == (person.birth_date, person.sex)
        assert 18 <= person.age_on(today) <= 60
        assert person.region.code.startswith("220581")
    assert TargetGroupMembership.objects.filter(person__in=people).exists()
    event = AuditEvent.objects.get(action="people.synthetic.generated")
    assert (event.data["created"], event.data["seed"]) == (80, 7)


def test_synth_is_deterministic_and_rerunning_adds_nothing(city, target_groups):
    ids = [p.data.id_number for p in generate_people(30, seed=3)]
    assert ids == [p.data.id_number for p in generate_people(30, seed=3)]
    assert ids != [p.data.id_number for p in generate_people(30, seed=4)]
    call_command("synth", "--people", "30", "--seed", "3")

    call_command("synth", "--people", "40", "--seed", "3")

    assert Person.objects.count() == 40
    assert set(ids) <= {p.id_number for p in Person.objects.all()}
