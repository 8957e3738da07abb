"""The demo's citizen hosting, made through the services: 80 Paris hosts with signed
agreements and calendars, eight weeks of closed nights of 30 to 40 people, about half of
them children under 10, a few not placed, tonight still open, stays ending soon; and a
second run of the demo that adds nothing."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.clock import local_today
from people import queries
from people.models import Host, HostingBoard, HostingGroup, HostingKind, HostNight, Placement
from people.services.placements import beds_taken
from tests.conftest import Demo, run_demo_again


def count(db_session: Any, model: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_the_demo_hosts_eight_weeks_of_nights_without_a_name(demo: Demo, demo_session: Any) -> None:
    today = local_today()
    paris = demo_session.scalars(select(Host).where(Host.kind == HostingKind.ONE_NIGHT)).all()
    assert len(paris) == 80
    assert all(host.agreement_signed_on is not None for host in paris)
    assert count(demo_session, HostNight) > 80 * 7 * 8 // 2

    boards = demo_session.scalars(select(HostingBoard).order_by(HostingBoard.night)).all()
    assert len(boards) == 8 * 7 + 1
    assert boards[0].night == today - timedelta(weeks=8) and boards[-1].night == today
    assert all(board.closed for board in boards[:-1]) and not boards[-1].closed
    children = people = not_placed = 0
    for board in boards:
        night_people = sum(group.people for group in board.groups)
        assert 30 <= night_people <= 40, (board.night, night_people)
        people += night_people
        children += sum(group.children_under_10 for group in board.groups)
        if board.closed:
            not_placed += sum(group.people for group in board.groups if not group.placed)
        for group in board.groups:
            if group.placed:
                assert group.host.agreement_signed_on is not None
        hosts = {group.host_id for group in board.groups if group.placed}
        taken = beds_taken(demo_session, sorted(hosts), board.night)
        assert all(taken[host.id] <= host.beds for host in paris if host.id in hosts)
    assert 0.35 <= children / people <= 0.6, children / people
    assert 0 < not_placed < people * 0.15

    assert count(demo_session, Placement) == 5
    assert len(queries.placements_ending_soon(demo_session, today)) == 2

    before = [count(demo_session, model) for model in (Host, HostingGroup, Placement)]
    run_demo_again(demo)
    assert [count(demo_session, model) for model in (Host, HostingGroup, Placement)] == before
