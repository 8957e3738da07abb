from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.models import Role, User
from inventory.models import Crate, Item, Site
from people.models import Volunteer
from tests.conftest import Demo, run_demo_again


def test_users_create_reads_the_password_from_stdin(
    app: Flask, db_session: Any, make_site: Any
) -> None:
    site = make_site()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Lea@Example.org",
            "--role",
            "volunteer",
            "--site",
            str(site.id),
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "lea@example.org"))
    assert user.role == Role.VOLUNTEER and [s.id for s in user.sites] == [site.id]
    assert user.check_password("a long enough password")


def test_users_create_refuses_bad_input(app: Flask, db_session: Any, make_user: Any) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=["users", "create", "a@b.c", "--role", "admin", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0 and "at least 10" in short.output
    existing = make_user()
    again = runner.invoke(
        args=["users", "create", existing.email, "--role", "admin", "--password-stdin"],
        input="x" * 12 + "\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output
    no_site = runner.invoke(
        args=[
            "users",
            "create",
            "new@b.c",
            "--role",
            "volunteer",
            "--site",
            "999999",
            "--password-stdin",
        ],
        input="x" * 12 + "\n",
    )
    assert no_site.exit_code != 0
    assert db_session.scalar(select(User).where(User.email == "new@b.c")) is None


def test_demo_data_is_realistic_and_can_run_twice(demo: Demo, demo_session: Any) -> None:
    counts = [
        demo_session.scalar(select(func.count()).select_from(model))
        for model in (Site, Item, Crate, User)
    ]
    volunteer_accounts = demo_session.scalar(
        select(func.count()).select_from(Volunteer).where(Volunteer.user_id.is_not(None))
    )
    assert counts[0] >= 8 and counts[1] >= 60 and counts[2] >= 300
    assert counts[3] - volunteer_accounts == len(Role)  # one user per role, and volunteers
    states = set(demo_session.scalars(select(Crate.state)))
    assert len(states) >= 4
    for role in Role:
        assert role.value in demo.output
    second = run_demo_again(demo)
    assert [
        demo_session.scalar(select(func.count()).select_from(model))
        for model in (Site, Item, Crate, User)
    ] == counts
    password = next(line.split()[-1] for line in second.splitlines() if "admin@relais.test" in line)
    admin = demo_session.scalar(select(User).where(User.email == "admin@relais.test"))
    assert admin.check_password(password)
    assert demo.app.test_cli_runner().invoke(args=["check-ledger"]).exit_code == 0


def test_check_ledger_fails_on_drift(
    app: Flask, db_session: Any, make_crate: Any, make_site: Any
) -> None:
    from sqlalchemy import text

    make_crate(site=make_site())
    runner = app.test_cli_runner()
    assert runner.invoke(args=["check-ledger"]).exit_code == 0
    db_session.execute(text("UPDATE stock_levels SET quantity = quantity + 1"))
    result = runner.invoke(args=["check-ledger"])
    assert result.exit_code == 1 and "drifted" in result.output
