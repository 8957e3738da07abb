"""Demo volunteers: both teams' weeks of shifts, this week's and next week's shifts, 25
volunteers signed up and accepted, on shifts, and bed bookings in the Calais bungalows
at 5 € a night, some paid in cash. All through the real services; safe to run again
(what exists is kept)."""

import random
from datetime import date, time, timedelta

from sqlalchemy import select

from app.clock import local_today
from app.errors import DomainError
from app.extensions import Session
from app.models import Role, User
from logistics.models import Distribution, Team
from people.models import BedPlace, ShiftKind, ShiftTemplate, Volunteer
from people.services import beds, crews, shifts, volunteers

SEED = 2026
WEEKS = {
    "Calais": (
        (ShiftKind.MORNING, time(9, 0), time(13, 30), 8),
        (ShiftKind.AFTERNOON, time(13, 30), time(17, 30), 3),
        (ShiftKind.EVENING, time(17, 30), time(21, 0), 8),
    ),
    "Paris": (
        (ShiftKind.MORNING, time(7, 0), time(10, 0), 6),
        (ShiftKind.AFTERNOON, time(14, 0), time(18, 0), 2),
        (ShiftKind.EVENING, time(19, 0), time(22, 30), 3),
    ),
}
BUNGALOWS = (("Bungalow des Dunes", 6), ("Bungalow des Oyats", 6))
PRICE_CENTS = 500
PEOPLE = (
    ("Camille Laurent", "français, anglais"), ("Jonas Weber", "allemand, anglais"),
    ("Amina Diallo", "français, peul"), ("Lucie Martin", "français"),
    ("Tom Harris", "anglais"), ("Sara Haddad", "arabe, français"),
    ("Inès Moreau", "français, espagnol"), ("Yusuf Karimi", "dari, pachto, anglais"),
    ("Hélène Dubois", "français"), ("Marco Rossi", "italien, anglais"),
    ("Chloé Petit", "français, anglais"), ("Oscar Lindqvist", "suédois, anglais"),
    ("Fatou Sow", "français, wolof"), ("Pierre Lemoine", "français"),
    ("Léa Fontaine", "français, anglais"), ("Nadia Benali", "arabe, français"),
    ("Julien Roux", "français"), ("Hannah Becker", "allemand, anglais"),
    ("Mathis Girard", "français"), ("Aïcha Traoré", "français, bambara"),
    ("Emma Clarke", "anglais, français"), ("Rahim Noori", "dari, anglais"),
    ("Manon Chevalier", "français"), ("Bastien Faure", "français, anglais"),
    ("Zoé Lambert", "français, tigrinya"),
)  # fmt: skip


def seed(session: Session) -> None:
    admin = session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    teams = {team.name: team for team in session.scalars(select(Team))}
    if admin is None or not teams:
        return
    today = local_today()
    monday = shifts.week_start(today)
    rng = random.Random(SEED)
    for name, week in WEEKS.items():
        team = teams.get(name)
        if team is None:
            continue
        if session.scalar(select(ShiftTemplate.id).where(ShiftTemplate.team_id == team.id)) is None:
            shifts.save_shift_week(
                session,
                actor=admin,
                team_id=team.id,
                entries=[
                    shifts.TemplateShift(weekday, kind, start, end, needed)
                    for weekday in range(7)
                    for kind, start, end, needed in week
                ],
            )
        shifts.generate_shifts(
            session, actor=admin, team_id=team.id, first_day=monday, days=14, today=today
        )
    places = add_bungalows(session, admin, teams.get("Calais"))
    if session.scalar(select(Volunteer.id).limit(1)) is None:
        accepted = add_volunteers(session, admin, teams, places, rng, today)
        for day in (today, today + timedelta(days=1)):
            staff_the_runs(session, day, monday)
        for volunteer in accepted:
            take_some_shifts(session, volunteer, rng, monday)
    session.flush()


def staff_the_runs(session: Session, day: date, monday: date) -> None:
    """Today's and tomorrow's runs staffed as a coordinator would, before volunteers take
    other shifts: each lead on the shift that covers their run, then volunteers there that
    day, drivers first, until the team is big enough. Paris's breakfast then has its full
    crew; Calais's four runs at once need more people than its shifts hold, and the board
    says so."""
    runs = session.scalars(
        select(Distribution).where(Distribution.day == day).order_by(Distribution.starts_at)
    ).all()
    present = session.scalars(
        select(Volunteer)
        .where(
            Volunteer.user_id.is_not(None),
            Volunteer.arrives_on <= day,
            Volunteer.leaves_on >= day,
        )
        .order_by(Volunteer.driving_licence.desc(), Volunteer.id)
    ).all()
    for run in runs:
        covering = [
            shift
            for shift in shifts.list_shifts(session, run.team_id, day, 1)
            if crews.covers(shift, run)
        ]
        if not covering:
            continue
        shift = covering[0]
        people = [run.lead] if run.lead else []
        people += [v.user for v in present if v.team_id == run.team_id and v.user]
        for person in people:
            if (
                len(shift.places) >= run.team_size
                and any(v.driving_licence for v in present if shift.has(v.user_id or 0))
                and (run.lead_id is None or shift.has(run.lead_id))
            ):
                break
            if person is None or shift.has(person.id):
                continue
            try:
                with session.begin_nested():
                    shifts.take_shift(session, actor=person, shift_id=shift.id, today=monday)
            except DomainError:
                continue  # full, or on another shift then


def add_bungalows(session: Session, admin: User, calais: Team | None) -> list[BedPlace]:
    known = {place.name: place for place in beds.list_places(session)}
    for name, count in BUNGALOWS:
        if name not in known:
            known[name] = beds.save_place(
                session,
                actor=admin,
                data=beds.PlaceInput(name, count, PRICE_CENTS, calais.id if calais else None),
            )
    return [known[name] for name, _count in BUNGALOWS]


def add_volunteers(
    session: Session,
    admin: User,
    teams: dict[str, Team],
    places: list[BedPlace],
    rng: random.Random,
    today: date,
) -> list[Volunteer]:
    """Sign the people up; the accepted ones (returned) get a bed if they need one."""
    team_names = [name for name in ("Calais", "Paris") if name in teams]
    accepted = []
    for index, (name, languages) in enumerate(PEOPLE):
        team = teams[team_names[0] if index % 5 < 3 or len(team_names) == 1 else team_names[1]]
        if index < 15:  # here today and tomorrow, for the day board's crews
            arrives_on = today - timedelta(days=rng.randint(0, 6))
            leaves_on = today + timedelta(days=rng.choice((2, 5, 9, 20, 40)))
        else:
            arrives_on = today + timedelta(days=rng.randint(-12, 8))
            leaves_on = arrives_on + timedelta(days=rng.choice((1, 3, 7, 7, 14, 30, 45)))
        first, last = name.lower().replace("ï", "i").replace("é", "e").split(" ", 1)
        result = volunteers.sign_up(
            session,
            volunteers.SignUp(
                name=name,
                email=f"{first}.{last.replace(' ', '')}@benevoles.example",
                phone=f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
                languages=languages,
                driving_licence=rng.random() < 0.5,
                arrives_on=arrives_on,
                leaves_on=leaves_on,
                team_id=team.id,
                local_group="",
                needs_bed=team.name == "Calais" and leaves_on > arrives_on + timedelta(days=2),
                consent_contact=True,
                locale="en" if "anglais" in languages.split(",")[0] else "fr",
            ),
            today=arrives_on,
        )
        volunteer = result.volunteer
        if volunteer is None or index % 8 == 7:
            continue  # a few sign-ups wait for review
        volunteers.accept_volunteer(session, actor=admin, volunteer_id=volunteer.id)
        accepted.append(volunteer)
        if volunteer.needs_bed and places:
            book_a_bed(session, admin, volunteer, places, today)
    return accepted


def take_some_shifts(
    session: Session, volunteer: Volunteer, rng: random.Random, monday: date
) -> None:
    user = volunteer.user
    assert user is not None and volunteer.team_id is not None
    for shift in shifts.list_shifts(session, volunteer.team_id, monday, 14):
        if not volunteer.arrives_on <= shift.day <= volunteer.leaves_on or rng.random() < 0.3:
            continue
        try:
            with session.begin_nested():
                shifts.take_shift(session, actor=user, shift_id=shift.id, today=monday)
        except DomainError:
            continue  # full, or already on a shift then


def book_a_bed(
    session: Session, admin: User, volunteer: Volunteer, places: list[BedPlace], today: date
) -> None:
    for place in places:
        try:
            with session.begin_nested():
                booking = beds.book_bed(
                    session,
                    actor=admin,
                    volunteer=volunteer,
                    place_id=place.id,
                    arrives_on=volunteer.arrives_on,
                    leaves_on=volunteer.leaves_on,
                    today=volunteer.arrives_on,
                )
        except DomainError:
            continue  # full: the next bungalow
        if volunteer.arrives_on <= today:
            beds.record_cash(session, actor=admin, public_id=booking.public_id)
        return
