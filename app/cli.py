"""The command line: users and demo data. Domain packages add their own commands."""

import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from app.auth import find_user_by_email, normalise_email
from app.clock import utcnow
from app.errors import DomainError
from app.extensions import Session, db
from app.idempotency import prune_client_events
from app.models import ApiToken, Role, User

users_cli = AppGroup(
    "users", help="Create users, change their password or role, sign them out, revoke tokens."
)

DemoSeeder = Callable[[Session], None]
DEMO_SEEDERS_KEY = "relais.demo_seeders"
SITE_ASSIGNER_KEY = "relais.assign_sites"


def register_demo_seeder(app: Flask, seeder: DemoSeeder) -> None:
    app.extensions.setdefault(DEMO_SEEDERS_KEY, []).append(seeder)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--site", "site_ids", type=int, multiple=True, help="A site the user works at.")
@click.option("--name", default="", help="The name shown to other users.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password.")
def create_user(
    email: str, role: str, site_ids: tuple[int, ...], name: str, password_stdin: bool
) -> None:
    """Create a user; the password is read from standard input."""
    password = read_password()
    if find_user_by_email(email) is not None:
        raise click.ClickException(f"A user with the email {email} already exists.")
    user = User(email=normalise_email(email), role=Role(role), display_name=name)
    user.set_password(password)
    try:
        if site_ids:
            current_app.extensions[SITE_ASSIGNER_KEY](db.session, user, site_ids)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}).")


def read_password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        raise click.ClickException("The password must have at least 10 characters.")
    return password


def existing_user(email: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    return user


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password.")
def set_password(email: str, password_stdin: bool) -> None:
    """Change a user's password (read from standard input); signs them out everywhere."""
    password = read_password()
    user = existing_user(email)
    user.set_password(password)
    db.session.commit()
    click.echo(f"Changed the password of {user.email}; their sessions are ended.")


@users_cli.command("set-role")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
def set_role(email: str, role: str) -> None:
    """Change a user's role; signs them out everywhere."""
    user = existing_user(email)
    user.change_role(Role(role))
    db.session.commit()
    click.echo(f"{user.email} is now {role}; their sessions are ended.")


@users_cli.command("sign-out")
@click.argument("email")
def sign_out(email: str) -> None:
    """End every session of a user (a lost phone); API tokens are revoked apart."""
    user = existing_user(email)
    user.end_sessions()
    db.session.commit()
    click.echo(f"Ended every session of {user.email}.")


@users_cli.command("revoke-tokens")
@click.argument("email")
def revoke_tokens(email: str) -> None:
    """Revoke every API token of a user."""
    user = existing_user(email)
    revoke = (
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    # A DML statement's result is a CursorResult, which counts the rows it changed.
    result = cast(CursorResult[Any], db.session.execute(revoke))
    db.session.commit()
    click.echo(f"Revoked {result.rowcount} token(s) of {user.email}.")


DEMO_USERS = (
    ("admin@relais.test", Role.ADMIN, "Alice Admin"),
    ("coordination@relais.test", Role.COORDINATOR, "Camille Coordination"),
    ("benevole@relais.test", Role.VOLUNTEER, "Victor Bénévole"),
    ("tresorerie@relais.test", Role.TREASURER, "Thérèse Trésorerie"),
    ("hebergement@relais.test", Role.HOSTING_COORDINATOR, "Hélène Hébergement"),
)


def demo_passwords_file() -> Path:
    return Path(current_app.instance_path) / "demo-users.txt"


def seed_demo_users(session: Session) -> dict[str, str]:
    """One user per role; passwords made once and kept in instance/demo-users.txt."""
    path = demo_passwords_file()
    known = (
        dict(line.split(" ", 1) for line in path.read_text().splitlines()) if path.exists() else {}
    )
    for email, role, name in DEMO_USERS:
        if session.scalar(select(User).where(User.email == email)) is not None:
            continue
        password = known.get(email) or secrets.token_urlsafe(9)
        user = User(email=email, role=role, display_name=name)
        user.set_password(password)
        session.add(user)
        known[email] = password
    path.write_text("".join(f"{email} {password}\n" for email, password in known.items()))
    path.chmod(0o600)
    return known


@click.command("demo-data")
def demo_data() -> None:
    """Fill the database with demo sites, catalogue, crates and users (safe to re-run)."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("Demo data is never loaded in production.")
    passwords = seed_demo_users(db.session)
    db.session.flush()
    for seeder in current_app.extensions.get(DEMO_SEEDERS_KEY, []):
        seeder(db.session)
    db.session.commit()
    click.echo("Demo users (email, role, password):")
    for email, role, _name in DEMO_USERS:
        click.echo(f"  {email:<28} {role.value:<20} {passwords[email]}")


def forget_old_client_events() -> int:
    """Prune the client events older than CLIENT_EVENTS_KEEP_DAYS, and commit."""
    pruned = prune_client_events(
        db.session, keep_days=current_app.config["CLIENT_EVENTS_KEEP_DAYS"]
    )
    db.session.commit()
    return pruned


@click.command("prune-client-events")
def prune_client_events_command() -> None:
    """Forget the event ids of replayed requests older than CLIENT_EVENTS_KEEP_DAYS."""
    pruned = forget_old_client_events()
    days = current_app.config["CLIENT_EVENTS_KEEP_DAYS"]
    click.echo(f"Forgot {pruned} client event(s) older than {days} days.")


def init_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_data)
    app.cli.add_command(prune_client_events_command)
