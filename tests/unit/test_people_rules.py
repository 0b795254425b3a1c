"""Rules that keep roles consistent with what people do, and literal people search."""
import pytest

from core import queries, services
from core.errors import InvalidInput
from core.extensions import db


def update_role(person, role, actor=None):
    services.update_person(person, name=person.name, email=person.email, role=role,
                           locale=person.locale, timezone=person.timezone, actor=actor)


def test_a_team_lead_cannot_become_an_agent_while_leading(org):
    with pytest.raises(InvalidInput) as raised:
        update_role(org.supervisor, "agent")
    assert raised.value.field == "role"
    assert "Alpha" in raised.value.message
    services.set_team_supervisors(org.team_a, [], actor=None)
    update_role(org.supervisor, "agent")
    assert org.supervisor.role == "agent"


def test_a_site_manager_keeps_a_manager_role_until_the_sites_are_removed(org):
    with pytest.raises(InvalidInput):
        update_role(org.manager, "supervisor")
    services.set_managed_sites(org.manager, [], actor=None)
    update_role(org.manager, "supervisor")
    assert org.manager.role == "supervisor"


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(org, make_person):
    with pytest.raises(InvalidInput):
        update_role(org.admin, "manager")
    with pytest.raises(InvalidInput):
        services.set_person_active(org.admin, False, actor=None)
    make_person("admin2", role="admin")
    services.set_person_active(org.admin, False, actor=None)
    assert org.admin.active is False


def test_people_search_takes_percent_and_underscore_literally(make_person):
    make_person("a_b", name="Under Score")
    make_person("axb", name="Plain Name")
    found = db.session.execute(queries.people_listing(q="a_b")).scalars().all()
    assert [p.username for p in found] == ["a_b"]
    assert db.session.execute(queries.people_listing(q="100%")).scalars().all() == []
